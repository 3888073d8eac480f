/** Shared plumbing of the file parsers and writers. Internal. */
import { readFile } from 'node:fs/promises';
import type { VitErrorCode } from './errorCodes.js';
import { VitIoError, VitValueError } from './errors.js';

/** The file codes of {@link VitErrorCode} (`VIT_IO_*`), which the file parsers and writers throw. */
export type IoErrorCode = Extract<VitErrorCode, `VIT_IO_${string}`>;

/** A `VitIoError` naming the file when known, else the function that parsed the bytes. */
export function ioError(fn: string, file: string | undefined, code: IoErrorCode, message: string, cause?: unknown): VitIoError {
  return new VitIoError(file ? message : `${fn}: ${message}`, { file, code, cause });
}

/** Accept a Uint8Array (Buffer included) or ArrayBuffer; anything else is a caller bug. */
export function asBytes(bytes: unknown, fn: string): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  throw new VitValueError(`\`bytes\` of ${fn} must be a Uint8Array or ArrayBuffer. Got ${bytes === null ? 'null' : typeof bytes}.`);
}

/** The `file` label from an options argument that may be the file name alone. */
export function fileOf(options: string | { file?: string } | undefined): string | undefined {
  return typeof options === 'string' ? options : options?.file;
}

/** Read a whole file, turning fs errors into a `VitIoError` that names it. */
export async function readAll(path: string, fn: string): Promise<Uint8Array> {
  if (typeof path !== 'string' || path === '') {
    throw new VitValueError(`\`path\` of ${fn} must be a non-empty string. Got ${JSON.stringify(path)}.`);
  }
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new VitIoError('cannot read (ENOENT): no such file.', { file: path, code: 'VIT_NOT_FOUND', cause: e });
    throw new VitIoError(`cannot read (${code ?? (e as Error).message})`, { file: path, code: 'VIT_IO_READ', cause: e });
  }
}

/** Hex of the first bytes, for "wrong magic" messages. */
export function hexHead(b: Uint8Array, n = 8): string {
  if (b.length === 0) return 'an empty file';
  return Array.from(b.subarray(0, n), (x) => x.toString(16).padStart(2, '0')).join(' ') + (b.length > n ? ' …' : '');
}

/** The bytes of `parts` joined into one buffer (a single part is returned as it is). */
export function joinParts(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
