import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { VitIoError } from '@vit/io';

const IMAGE_EXT = /\.(jpe?g|png)$/i;

/**
 * The JPEG/PNG files under `dir`, searched recursively and sorted by path. Symbolic links are
 * followed, to files and to folders (dataset subsets are often folders of links); a folder reached
 * twice through links is read once, and a dangling link with an image name is kept, so that
 * decoding reports it.
 * @param dir the folder the user named.
 * @param flag the flag that named it, for messages (e.g. `--images`).
 * @returns paths under `dir` (through the links, not their targets).
 * @throws VitIoError `VIT_NOT_FOUND` (no such folder), `VIT_IO_READ` (not a folder), `VIT_NO_IMAGES` (no image in it).
 * @example await listImages('val/', '--images') // ['val/a/1.jpg', 'val/b.png', …]
 */
export async function listImages(dir: string, flag: string): Promise<string[]> {
  const st = await stat(dir).catch(() => undefined);
  if (!st) throw new VitIoError(`${flag} directory not found.`, { file: dir, code: 'VIT_NOT_FOUND' });
  if (!st.isDirectory()) throw new VitIoError(`${flag} must be a directory.`, { file: dir, code: 'VIT_IO_READ' });
  const files: string[] = [];
  const seen = new Set<string>();
  const walk = async (d: string): Promise<void> => {
    const real = await realpath(d);
    if (seen.has(real)) return;
    seen.add(real);
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      let isDir = e.isDirectory();
      let isFile = e.isFile();
      if (e.isSymbolicLink()) {
        const target = await stat(p).catch(() => undefined);
        isDir = !!target?.isDirectory();
        isFile = target ? target.isFile() : true; // dangling: kept, decoding names it
      }
      if (isDir) await walk(p);
      else if (isFile && IMAGE_EXT.test(e.name)) files.push(p);
    }
  };
  await walk(dir);
  if (!files.length) throw new VitIoError(`${flag} directory has no .jpg/.jpeg/.png files.`, { file: dir, code: 'VIT_NO_IMAGES' });
  return files.sort();
}
