import { join, resolve } from 'node:path';
import { isImageName, defaultImageReader } from './internal/images.js';
import { compareNames, listSorted, requireDir } from './internal/fsutil.js';
import { makeDataset, SkipLog } from './internal/dataset.js';
import { IMAGENET50_CLASSES } from './imagenet50Classes.js';
import { IMAGENET_LAYOUT } from './imagenet.js';
import { imageSample } from './internal/imageSample.js';
import type { ImageNetSample } from './imagenet.js';
import type { Dataset, DatasetDescription, ImageReader } from './types.js';
import { VitValueError } from '@vit/io';

/** Options of {@link imagenet50}. */
export interface ImageNet50Options {
  /** Images per class: the first ones by sorted file name (all when a class has fewer). @default 100 */
  perClass?: number;
  /** ImageNet split to draw from (`val` has only 50 images per class). @default 'train' */
  split?: 'train' | 'val' | (string & {});
  /** Reads one image. @default readImage of @vit/io */
  imageReader?: ImageReader;
}

/** One ImageNet-50 image: an {@link ImageNetSample} with the class name. */
export interface ImageNet50Sample extends ImageNetSample {
  /** Readable class name from the shipped list, e.g. `"Dipper"`. */
  readonly className: string;
}

/**
 * Reads ImageNet-50: the 50 classes of {@link IMAGENET50_CLASSES}, the first `perClass` images
 * of each by sorted file name, labels 0–49 by sorted wnid (SPEC "Datasets"). A class with fewer
 * images contributes all it has and is reported by `describe()` (`skipped` reason `short-class`).
 *
 * @param root ImageNet root holding `<split>/<wnid>/*.JPEG`.
 * @param options See {@link ImageNet50Options}.
 * @returns A {@link Dataset} of {@link ImageNet50Sample}, ordered by label then file name.
 * @throws {VitDatasetError} `VIT_DATASET_LAYOUT` naming the root, split or class folder that is missing.
 * @throws {VitValueError} when `perClass` is not a positive integer.
 * @example
 * const ds = await imagenet50('/data/imagenet');
 * console.log(ds.describe().samples); // 5000
 */
export async function imagenet50(root: string, options: ImageNet50Options = {}): Promise<Dataset<ImageNet50Sample>> {
  const perClass = options.perClass ?? 100;
  if (!Number.isSafeInteger(perClass) || perClass < 1) {
    throw new VitValueError(`\`perClass\` of imagenet50 must be a positive integer. Got ${String(perClass)}.`);
  }
  const split = options.split ?? 'train';
  const read = options.imageReader ?? defaultImageReader;
  const abs = resolve(root);
  await requireDir(abs, 'ImageNet root', IMAGENET_LAYOUT);
  const splitDir = join(abs, split);
  await requireDir(splitDir, `ImageNet split '${split}'`, IMAGENET_LAYOUT);
  const classes = IMAGENET50_CLASSES.slice().sort((a, b) => compareNames(a.wnid, b.wnid));
  const samples: ImageNet50Sample[] = [];
  const skipped = new SkipLog();
  for (let label = 0; label < classes.length; label++) {
    const { wnid, name } = classes[label];
    const dir = join(splitDir, wnid);
    await requireDir(dir, `ImageNet-50 class ${wnid} (${name})`, IMAGENET_LAYOUT);
    const files = (await listSorted(dir, 'file', isImageName)).slice(0, perClass);
    if (files.length < perClass) skipped.add('short-class', `class has fewer than ${perClass} images; all were taken`, `${wnid}: ${files.length}`);
    for (const f of files) samples.push({ ...imageSample(join(dir, f), `${wnid}/${f}`, wnid, label, read), className: name });
  }
  return makeDataset('imagenet50', samples, (): DatasetDescription => ({
    dataset: 'imagenet50',
    root: abs,
    split,
    samples: samples.length,
    counts: { classes: classes.length, images: samples.length, perClass },
    skipped: skipped.reports(),
  }));
}
