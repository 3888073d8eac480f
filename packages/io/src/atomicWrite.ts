import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { VitIoError, VitValueError } from './errors.js';

/**
 * Write a file so that readers see either the old content or the whole new content, never a
 * half-written file: the bytes go to a temporary file in the same directory, are flushed to
 * disk (`fsync`), and the temporary file is renamed over `path`. On any failure the temporary
 * file is removed and `path` is left as it was.
 * @param path Destination file; its directory must exist.
 * @param bytes The complete new content.
 * @returns Resolves once the file is in place.
 * @throws VitIoError (code `VIT_IO_WRITE`) naming `path` and the system error.
 * @example await atomicWrite('out/results.json', new TextEncoder().encode(json))
 */
export async function atomicWrite(path: string, bytes: Uint8Array | string): Promise<void> {
  if (typeof path !== 'string' || path === '') {
    throw new VitValueError(`\`path\` of atomicWrite must be a non-empty string. Got ${JSON.stringify(path)}.`);
  }
  if (!(bytes instanceof Uint8Array) && typeof bytes !== 'string') {
    throw new VitValueError(`\`bytes\` of atomicWrite must be a Uint8Array or string. Got ${bytes === null ? 'null' : typeof bytes}.`);
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let created = false;
  try {
    const fh = await open(tmp, 'wx');
    created = true;
    try {
      await fh.writeFile(bytes);
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
