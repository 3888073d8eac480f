import { join, resolve } from 'node:path';
import { put, writeJpeg, writePalettePng } from './files.js';
import { syntheticDavisMask } from './syntheticDavisMask.js';

/** Options of {@link writeSyntheticDavis}. */
export interface WriteSyntheticDavisOptions {
  /** Videos: name → `{ frames, objects }`. @default { bear: { frames: 3, objects: 1 }, 'bike-packing': { frames: 4, objects: 2 } } */
  videos?: Record<string, { frames: number; objects: number }>;
  /** Resolution folder. @default '480p' */
  resolution?: string;
  /** Frame size `[H, W]`. @default [18, 24] */
  size?: readonly [number, number];
}

/** What {@link writeSyntheticDavis} wrote. */
export interface SyntheticDavis {
  root: string;
  /** Video names in list order. */
  videos: string[];
}

/**
 * Writes a tiny DAVIS 2017: `ImageSets/2017/val.txt` (and `train.txt`, empty), frames
 * `JPEGImages/<res>/<video>/%05d.jpg` and indexed-palette masks `Annotations/<res>/<video>/%05d.png`
 * (the DAVIS/VOC palette). Object k is a 4-pixel-high band at rows `4k−3 … 4k` starting at
 * column `frame` and 6 pixels wide, so masks move one pixel per frame and can be recomputed:
 * see {@link syntheticDavisMask}.
 *
 * @param dir Folder to write into (created).
 * @param options See {@link WriteSyntheticDavisOptions}.
 * @returns The root and the video names.
 * @example
 * const { root } = await writeSyntheticDavis('/tmp/davis');
 * const ds = await davis(root);
 */
export async function writeSyntheticDavis(dir: string, options: WriteSyntheticDavisOptions = {}): Promise<SyntheticDavis> {
  const videos = options.videos ?? { bear: { frames: 3, objects: 1 }, 'bike-packing': { frames: 4, objects: 2 } };
  const res = options.resolution ?? '480p';
  const [h, w] = options.size ?? [18, 24];
  const root = resolve(dir);
  const names = Object.keys(videos);
  await put(join(root, 'ImageSets', '2017', 'val.txt'), names.join('\n') + '\n');
  await put(join(root, 'ImageSets', '2017', 'train.txt'), '');
  let seed = 1;
  for (const name of names) {
    const { frames, objects } = videos[name];
    for (let f = 0; f < frames; f++) {
      const stem = String(f).padStart(5, '0');
      await writeJpeg(join(root, 'JPEGImages', res, name, `${stem}.jpg`), h, w, seed++);
      await writePalettePng(join(root, 'Annotations', res, name, `${stem}.png`), syntheticDavisMask(h, w, objects, f), h, w);
    }
  }
  return { root, videos: names };
}
