import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Tensor } from '@vit/io';
import { defaultImageReader, readMaskPng } from './internal/images.js';
import { isFile, listSorted, requireDir } from './internal/fsutil.js';
import { makeDataset, SkipLog } from './internal/dataset.js';
import { VitDatasetError } from './errors.js';
import type { Dataset, DatasetDescription, ImageReader, Sample } from './types.js';

/** Reads an annotation PNG as `[H,W]` object ids. Default: `readLabelPng` of `@vit/io` (palette indices; gray value for gray PNGs). */
export type MaskReader = (path: string) => Promise<Tensor<Uint8Array>>;

/** Options of {@link davis}. */
export interface DavisOptions {
  /** Video list `ImageSets/2017/<split>.txt`. @default 'val' */
  split?: 'train' | 'val' | 'test-dev' | (string & {});
  /** Resolution folder under `JPEGImages/` and `Annotations/`. @default '480p' */
  resolution?: '480p' | 'Full-Resolution' | (string & {});
  /** Reads one frame. @default readImage of @vit/io */
  imageReader?: ImageReader;
  /** Reads one annotation PNG as object ids. @default readLabelPng of @vit/io */
  maskReader?: MaskReader;
}

/** One frame of a DAVIS video. */
export interface DavisFrame extends Sample {
  /** `"<video>/<frame stem>"`, e.g. `"bike-packing/00000"`. */
  readonly id: string;
  /** 0-based position in the video. */
  readonly index: number;
  /** Annotation PNG path, `null` when the frame has none. */
  readonly maskPath: string | null;
  /** Palette indices `[H,W]`: 0 background, k = object k (255, where present, is "void"). */
  loadMask(): Promise<Tensor<Uint8Array>>;
}

/** One DAVIS video: its frames in order. `loadImage()` loads the first frame. */
export interface DavisVideo extends Sample {
  /** Video name, e.g. `"bike-packing"`. */
  readonly id: string;
  /** Frames sorted by file name. */
  readonly frames: readonly DavisFrame[];
  /** Object ids in the first annotated frame (palette indices other than 0 and 255), ascending. */
  objectIds(): Promise<number[]>;
}

export const DAVIS_LAYOUT = '<root>/ImageSets/2017/<split>.txt, <root>/JPEGImages/<resolution>/<video>/*.jpg, <root>/Annotations/<resolution>/<video>/*.png';

/**
 * Reads DAVIS 2017 (semi-supervised): the videos listed in `ImageSets/2017/<split>.txt`, each a
 * sequence of frames `JPEGImages/<resolution>/<video>/*.jpg` with indexed-palette annotation PNGs
 * `Annotations/<resolution>/<video>/*.png` whose palette index is the object id. Frames and masks
 * are decoded only by `loadImage()` / `loadMask()`. A listed video without a frame folder is
 * skipped and reported.
 *
 * @param root DAVIS root (the folder holding `ImageSets/`, `JPEGImages/`, `Annotations/`).
 * @param options See {@link DavisOptions}.
 * @returns A {@link Dataset} of {@link DavisVideo}; `describe().counts` has `videos`, `frames`, `annotatedFrames`.
 * @throws {VitDatasetError} `VIT_DATASET_LAYOUT` naming the missing list file or folder.
 * @example
 * const ds = await davis('/data/DAVIS');
 * const v = ds.samples[0];
 * const first = await v.frames[0].loadMask(); // [H,W] object ids
 */
export async function davis(root: string, options: DavisOptions = {}): Promise<Dataset<DavisVideo>> {
  const split = options.split ?? 'val';
  const res = options.resolution ?? '480p';
  const read = options.imageReader ?? defaultImageReader;
  const readMask = options.maskReader ?? readMaskPng;
  const abs = resolve(root);
  await requireDir(abs, 'DAVIS root', DAVIS_LAYOUT);
  const listFile = join(abs, 'ImageSets', '2017', `${split}.txt`);
  if (!(await isFile(listFile))) {
    throw new VitDatasetError(`DAVIS video list not found; expected layout: ${DAVIS_LAYOUT}`, { code: 'VIT_DATASET_LAYOUT', file: listFile });
  }
  const jpegRoot = join(abs, 'JPEGImages', res);
  const annRoot = join(abs, 'Annotations', res);
  await requireDir(jpegRoot, `DAVIS frames (${res})`, DAVIS_LAYOUT);
  await requireDir(annRoot, `DAVIS annotations (${res})`, DAVIS_LAYOUT);
  const names = (await readFile(listFile, 'utf8'))
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter(Boolean);
  const skipped = new SkipLog();
  const videos: DavisVideo[] = [];
  let frameCount = 0;
  let annotated = 0;
  for (const name of names) {
    const frameDir = join(jpegRoot, name);
    let frameFiles: string[];
    try {
      frameFiles = await listSorted(frameDir, 'file', (f) => /\.jpe?g$/i.test(f));
    } catch {
      skipped.add('missing-video', 'video listed in the split file has no frame folder', frameDir);
      continue;
    }
    const masks = new Set(await listSorted(join(annRoot, name), 'file', (f) => f.toLowerCase().endsWith('.png')).catch(() => [] as string[]));
    const frames: DavisFrame[] = frameFiles.map((f, index) => {
      const stem = f.replace(/\.[^.]+$/, '');
      const maskPath = masks.has(`${stem}.png`) ? join(annRoot, name, `${stem}.png`) : null;
      const path = join(frameDir, f);
      return {
        id: `${name}/${stem}`,
        index,
        path,
        maskPath,
        loadImage: () => read(path),
        loadMask: async () => {
          if (!maskPath) throw new VitDatasetError(`frame has no annotation PNG (expected ${join(annRoot, name, `${stem}.png`)})`, { code: 'VIT_DATASET_LAYOUT', file: path });
          return readMask(maskPath);
        },
      };
    });
    frameCount += frames.length;
    annotated += frames.filter((f) => f.maskPath).length;
    const firstAnnotated = frames.find((f) => f.maskPath);
    videos.push({
      id: name,
      path: frameDir,
      frames: Object.freeze(frames),
      loadImage: () => {
        if (!frames.length) throw new VitDatasetError('video has no frames', { code: 'VIT_DATASET_LAYOUT', file: frameDir });
        return frames[0].loadImage();
      },
      objectIds: async () => {
        if (!firstAnnotated) return [];
        const m = await firstAnnotated.loadMask();
        const seen = new Uint8Array(256);
        for (let k = 0; k < m.data.length; k++) seen[m.data[k]] = 1;
        const ids: number[] = [];
        for (let i = 1; i < 255; i++) if (seen[i]) ids.push(i);
        return ids;
      },
    });
  }
  return makeDataset('davis', videos, (): DatasetDescription => ({
    dataset: 'davis',
    root: abs,
    split: `${split}/${res}`,
    samples: videos.length,
    counts: { videos: videos.length, frames: frameCount, annotatedFrames: annotated },
    skipped: skipped.reports(),
  }));
}
