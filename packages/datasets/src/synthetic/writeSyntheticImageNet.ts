import { join, resolve } from 'node:path';
import { VitValueError } from '@vit/io';
import { writeJpeg } from './files.js';

/** Options of {@link writeSyntheticImageNet}. */
export interface WriteSyntheticImageNetOptions {
  /** Class folders (wnids) to write. @default ['n01440764', 'n01443537', 'n01484850'] */
  classes?: readonly string[];
  /** Images per class per split. @default 3 */
  imagesPerClass?: number;
  /** Split folders to write. @default ['train', 'val'] */
  splits?: readonly string[];
  /** Image size `[H, W]`. @default [24, 32] */
  size?: readonly [number, number];
  /**
   * Distinct pictures to encode; files cycle through them (JPEG encoding costs ~40 ms each, so
   * large synthetic sets can share a few). Image `i` (0-based, in write order) uses pattern
   * `1 + i % variants`.
   * @default Infinity (every image distinct)
   */
  variants?: number;
}

/** What {@link writeSyntheticImageNet} wrote. */
export interface SyntheticImageNet {
  /** The dataset root (`dir`, absolute). */
  root: string;
  /** Relative paths `<split>/<wnid>/<file>` of every image written. */
  files: string[];
}

/**
 * Writes a tiny ImageNet in the distributed layout `<dir>/<split>/<wnid>/<wnid>_<k>.JPEG`
 * (k = 1, 2, …, not zero-padded, so name order differs from numeric order as in the real
 * dataset). Image `i` in write order (splits, then classes, then k) is colour pattern `1 + i`
 * (see `variants`), encoded as a real JPEG.
 *
 * @param dir Folder to write into (created).
 * @param options See {@link WriteSyntheticImageNetOptions}.
 * @returns The root and the files written.
 * @throws {VitValueError} when `imagesPerClass` is not a positive integer.
 * @example
 * const { root } = await writeSyntheticImageNet('/tmp/inet', { splits: ['val'] });
 * const ds = await imagenet(root, { split: 'val' });
 */
export async function writeSyntheticImageNet(dir: string, options: WriteSyntheticImageNetOptions = {}): Promise<SyntheticImageNet> {
  const classes = options.classes ?? ['n01440764', 'n01443537', 'n01484850'];
  const per = options.imagesPerClass ?? 3;
  if (!Number.isSafeInteger(per) || per < 1) throw new VitValueError(`\`imagesPerClass\` of writeSyntheticImageNet must be a positive integer. Got ${String(per)}.`);
  const splits = options.splits ?? ['train', 'val'];
  const [h, w] = options.size ?? [24, 32];
  const root = resolve(dir);
  const files: string[] = [];
  const variants = options.variants ?? Infinity;
  let i = 0;
  for (const split of splits) {
    for (const wnid of classes) {
      for (let k = 1; k <= per; k++) {
        const rel = `${split}/${wnid}/${wnid}_${k}.JPEG`;
        await writeJpeg(join(root, rel), h, w, 1 + (i++ % variants));
        files.push(rel);
      }
    }
  }
  return { root, files };
}
