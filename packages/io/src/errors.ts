import type { VitErrorCode } from './errorCodes.js';

/** Options of every {@link VitError} constructor. */
export interface VitErrorOptions {
  /** The stable, machine-readable code (see `VitErrorCode`). */
  code: VitErrorCode;
  /** The file the error is about; the message is prefixed with it. */
  file?: string;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * Base class of every error the toolkit throws on purpose: `new VitXError(message, { code, file?, cause? })`.
 * `code` is stable and machine-readable; `message` is one line saying what is wrong and what to do,
 * prefixed with `file` when one is given.
 *
 * @example
 * try { await readNpy('x.npy') } catch (e) { if (e instanceof VitError && e.code === 'VIT_NOT_FOUND') … }
 */
export class VitError extends Error {
  readonly code: VitErrorCode;
  readonly file?: string;
  constructor(message: string, options: VitErrorOptions) {
    super(options.file ? `${options.file}: ${message}` : message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    if (options.file !== undefined) this.file = options.file;
  }
}

/** A file could not be read or written: names the file and the problem. `code` defaults to `VIT_IO`. */
export class VitIoError extends VitError {
  constructor(message: string, options: Partial<VitErrorOptions> = {}) {
    super(message, { ...options, code: options.code ?? 'VIT_IO' });
  }
}

/** An argument has the wrong shape, dtype, range or content (NaN, empty, mismatched). `code` defaults to `VIT_VALUE`. */
export class VitValueError extends VitError {
  constructor(message: string, options: Partial<VitErrorOptions> = {}) {
    super(message, { ...options, code: options.code ?? 'VIT_VALUE' });
  }
}
