import { randomBytes } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { VitIoError, VitValueError } from './errors.js';

/**
 * Write a file so that readers see either the old content or the whole new content, never a
 * half-written file: the bytes go to a temporary file in the same directory, are flushed to
 * disk (`fsync`), and the temporary file is renamed over `path`. On any failure the temporary
 * file is removed and `path` is left as it was.
 * @param path Destination file; its directory must exist.
 * @param bytes The complete new content, or its parts in order (written one after the other, never
 *   joined in memory; do not change them until the returned promise settles).
 * @returns Resolves once the file is in place.
 * @throws VitIoError (code `VIT_IO_WRITE`) naming `path` and the system error.
 * @example await atomicWrite('out/results.json', new TextEncoder().encode(json))
 */
export async function atomicWrite(path: string, bytes: Uint8Array | string | readonly Uint8Array[]): Promise<void> {
  if (typeof path !== 'string' || path === '') {
    throw new VitValueError(`\`path\` of atomicWrite must be a non-empty string. Got ${JSON.stringify(path)}.`);
  }
  if (!(bytes instanceof Uint8Array) && typeof bytes !== 'string' && !(Array.isArray(bytes) && bytes.every((b) => b instanceof Uint8Array))) {
    throw new VitValueError(`\`bytes\` of atomicWrite must be a Uint8Array, a string or an array of Uint8Arrays. Got ${bytes === null ? 'null' : typeof bytes}.`);
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let created = false;
  try {
    const fh = await open(tmp, 'wx');
    created = true;
    try {
      if (Array.isArray(bytes)) await writeParts(fh, bytes);
      else await fh.writeFile(bytes as Uint8Array | string);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    created = false;
  } catch (e) {
    if (created) await unlink(tmp).catch(() => undefined);
    const code = (e as NodeJS.ErrnoException).code;
    throw new VitIoError(`cannot write (${code ?? (e as Error).message})`, { file: path, code: 'VIT_IO_WRITE', cause: e });
  }
}

/** Writes `parts` in order through `writev`, a bounded batch of parts per call, resuming short writes. */
async function writeParts(fh: FileHandle, parts: readonly Uint8Array[]): Promise<void> {
  const BATCH = 64; // under IOV_MAX (1024 on Linux)
  for (let i = 0; i < parts.length; i += BATCH) {
    let batch = parts.slice(i, i + BATCH).filter((p) => p.length > 0);
    while (batch.length) {
      let { bytesWritten } = await fh.writev(batch);
      while (batch.length && bytesWritten >= batch[0].length) bytesWritten -= batch.shift()!.length;
      if (batch.length && bytesWritten > 0) batch[0] = batch[0].subarray(bytesWritten);
    }
  }
}
