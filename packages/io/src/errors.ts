/**
 * Base class of every error the toolkit throws on purpose. `code` is stable and
 * machine-readable; `message` is one line saying what is wrong and what to do.
 */
export class VitError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A file could not be read or written: names the file and the problem. */
export class VitIoError extends VitError {
  readonly file?: string;
  constructor(message: string, options: { file?: string; cause?: unknown; code?: string } = {}) {
    super(options.code ?? 'VIT_IO', options.file ? `${options.file}: ${message}` : message, { cause: options.cause });
    this.file = options.file;
  }
}

/** An argument has the wrong shape, dtype, range or content (NaN, empty, mismatched). */
export class VitValueError extends VitError {
  constructor(message: string, options: { cause?: unknown; code?: string } = {}) {
    super(options.code ?? 'VIT_VALUE', message, { cause: options.cause });
  }
}
