import { join, resolve } from 'node:path';
import { isImageName, defaultImageReader } from './internal/images.js';
import { listSorted, requireDir } from './internal/fsutil.js';
import { makeDataset } from './internal/dataset.js';
import type { Dataset, DatasetDescription, ImageReader, Sample } from './types.js';
import { imageSample } from './internal/imageSample.js';

/** Options of {@link imagenet}. */
export interface ImageNetOptions {
  /** Split folder under the root. @default 'val' */
  split?: 'train' | 'val' | (string & {});
  /** Reads one image; swap in to count reads or decode elsewhere. @default readImage of @vit/io */
  imageReader?: ImageReader;
}

/** One ImageNet image. */
export interface ImageNetSample extends Sample {
  /** `"<wnid>/<file name>"`. */
  readonly id: string;
  /** WordNet id of the class folder. */
  readonly wnid: string;
  /** Class index: position of `wnid` among the sorted class folders. */
  readonly label: number;
}

export const IMAGENET_LAYOUT = '<root>/{train,val}/<wnid>/*.JPEG';

/**
 * Reads ImageNet as distributed in class folders: `<root>/<split>/<wnid>/*.JPEG`. Samples are
 * ordered by wnid, then by file name; labels are the index of the wnid among the sorted class
 * folders (the torchvision `ImageFolder` convention). Images are decoded only by `loadImage()`.
 *
 * @param root Folder holding `train/` and/or `val/`.
 * @param options See {@link ImageNetOptions}.
 * @returns A {@link Dataset} of {@link ImageNetSample}; `describe().counts` has `classes`, `images`.
 * @throws {VitDatasetError} `VIT_DATASET_LAYOUT` naming the missing root or split folder and the expected layout.
 * @example
 * const ds = await imagenet('/data/imagenet', { split: 'val' });
 * for await (const s of ds) { const img = await s.loadImage(); console.log(s.label, img.shape) }
 */
export async function imagenet(root: string, options: ImageNetOptions = {}): Promise<Dataset<ImageNetSample>> {
  const split = options.split ?? 'val';
  const read = options.imageReader ?? defaultImageReader;
  const abs = resolve(root);
  await requireDir(abs, 'ImageNet root', IMAGENET_LAYOUT);
  const splitDir = join(abs, split);
  await requireDir(splitDir, `ImageNet split '${split}'`, IMAGENET_LAYOUT);
  const wnids = await listSorted(splitDir, 'dir');
  const samples: ImageNetSample[] = [];
  for (let label = 0; label < wnids.length; label++) {
    const wnid = wnids[label];
    const files = await listSorted(join(splitDir, wnid), 'file', isImageName);
    for (const f of files) samples.push(imageSample(join(splitDir, wnid, f), `${wnid}/${f}`, wnid, label, read));
  }
  return makeDataset('imagenet', samples, (): DatasetDescription => ({
    dataset: 'imagenet',
    root: abs,
    split,
    samples: samples.length,
    counts: { classes: wnids.length, images: samples.length },
    skipped: [],
  }));
}
