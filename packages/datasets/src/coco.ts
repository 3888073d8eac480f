import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { VitValueError } from '@vit/io';
import type { Tensor } from '@vit/io';
import { defaultImageReader } from './internal/images.js';
import { readJson, requireDir } from './internal/fsutil.js';
import { makeDataset, SkipLog } from './internal/dataset.js';
import { indexCoco } from './internal/cocoIndex.js';
import type { CocoAnnotation, CocoCategory } from './internal/cocoIndex.js';
import type { InstanceMasks, InstanceMasksOptions } from './internal/instanceMasks.js';
import { cocoSample } from './internal/cocoSample.js';
import type { Dataset, DatasetDescription, ImageReader, Sample } from './types.js';

/** Options of {@link coco}. */
export interface CocoOptions {
  /** Split: images in `<root>/<split>/`, annotations in `<root>/annotations/instances_<split>.json`. @default 'val2017' */
  split?: string;
  /** Number of images: the first ones by id with at least one non-crowd annotation; `Infinity` = all. @default 5000 */
  limit?: number;
  /** Reads one image. @default readImage of @vit/io */
  imageReader?: ImageReader;
}

/** One COCO image with its annotations; masks are decoded on request. */
export interface CocoSample extends Sample {
  /** COCO image id. */
  readonly id: number;
  /** `file_name` from the annotation file. */
  readonly fileName: string;
  readonly width: number;
  readonly height: number;
  /** Every annotation of the image, crowd ones included, by annotation id. */
  readonly annotations: readonly CocoAnnotation[];
  /** Decodes one annotation's segmentation: `[H,W]` 0/1. */
  mask(annotation: CocoAnnotation): Tensor<Uint8Array>;
  /** Decodes the instance masks `[N,H,W]` (non-crowd unless `{ crowd: true }`). */
  instanceMasks(options?: InstanceMasksOptions): InstanceMasks;
  /** Union of the crowd regions `[H,W]` (all 0 when none): the "ignore" area of COCO evaluation. */
  crowdMask(): Tensor<Uint8Array>;
}

/** A COCO-style dataset: samples plus the category table. */
export interface CocoDataset<S> extends Dataset<S> {
  /** Categories as in the file, in file order. */
  readonly categories: readonly CocoCategory[];
}

export const COCO_LAYOUT = '<root>/annotations/instances_<split>.json and <root>/<split>/*.jpg';

/**
 * Reads COCO instance annotations: `<root>/annotations/instances_<split>.json` and the images of
 * `<root>/<split>/`. The sample is the first `limit` images by id that have at least one
 * non-crowd annotation and whose file exists (SPEC "Datasets"). Polygon and RLE segmentations
 * (compressed or not) are decoded by `mask()` / `instanceMasks()` only when asked; crowd regions
 * are kept apart (`crowdMask()`). Annotations pointing at an unknown image or category, and
 * images missing on disk, are skipped and reported by `describe()`.
 *
 * @param root COCO root folder.
 * @param options See {@link CocoOptions}.
 * @returns A {@link CocoDataset} of {@link CocoSample}; `describe().counts` has `images`,
 *   `annotations`, `crowdAnnotations`, `categories`, `imagesWithInstances`.
 * @throws {VitDatasetError} `VIT_DATASET_LAYOUT` naming a missing folder or file,
 *   `VIT_DATASET_JSON` on malformed JSON, `VIT_DATASET_FORMAT` on a wrong structure.
 * @throws {VitValueError} when `limit` is not a positive integer or Infinity.
 * @example
 * const ds = await coco('/data/coco', { limit: 100 });
 * const s = ds.samples[0];
 * const { masks, categoryIds } = s.instanceMasks(); // [N,H,W]
 */
export async function coco(root: string, options: CocoOptions = {}): Promise<CocoDataset<CocoSample>> {
  const split = options.split ?? 'val2017';
  const limit = options.limit ?? 5000;
  if (!(limit === Infinity || (Number.isSafeInteger(limit) && limit > 0))) {
    throw new VitValueError(`\`limit\` of coco must be a positive integer or Infinity. Got ${String(limit)}.`);
  }
  const read = options.imageReader ?? defaultImageReader;
  const abs = resolve(root);
  await requireDir(abs, 'COCO root', COCO_LAYOUT);
  await requireDir(join(abs, 'annotations'), 'COCO annotations', COCO_LAYOUT);
  const imageDir = join(abs, split);
  await requireDir(imageDir, `COCO image folder '${split}'`, COCO_LAYOUT);
  const file = join(abs, 'annotations', `instances_${split}.json`);
  const skipped = new SkipLog();
  const index = indexCoco(await readJson(file, 'COCO annotation file', COCO_LAYOUT), file, skipped);
  const onDisk = new Set(await readdir(imageDir));
  const samples: CocoSample[] = [];
  let withInstances = 0;
  for (const img of index.images) {
    const anns = index.byImage.get(img.id) ?? [];
    if (!anns.some((a) => !a.iscrowd)) continue;
    withInstances++;
    if (samples.length >= limit) continue;
    if (!onDisk.has(img.fileName)) {
      skipped.add('missing-image-file', 'image listed in the annotation file is missing on disk', join(imageDir, img.fileName));
      continue;
    }
    samples.push(cocoSample(join(imageDir, img.fileName), img, anns, file, read));
  }
  return Object.assign(
    makeDataset('coco', samples, (): DatasetDescription => ({
      dataset: 'coco',
      root: abs,
      split,
      samples: samples.length,
      counts: {
        images: index.images.length,
        annotations: index.annotations,
        crowdAnnotations: index.crowd,
        categories: index.categories.length,
        imagesWithInstances: withInstances,
      },
      skipped: skipped.reports(),
    })),
    { categories: Object.freeze(index.categories.slice()) },
  );
}
