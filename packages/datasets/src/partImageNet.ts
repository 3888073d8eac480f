import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { tensor, VitValueError } from '@vit/io';
import type { Tensor } from '@vit/io';
import { defaultImageReader } from './internal/images.js';
import { compareNames, readJson, requireDir } from './internal/fsutil.js';
import { makeDataset, SkipLog } from './internal/dataset.js';
import { indexCoco } from './internal/cocoIndex.js';
import { cocoSample } from './internal/cocoSample.js';
import type { CocoDataset, CocoSample } from './coco.js';
import { segmentationToMask } from './segmentationToMask.js';
import type { DatasetDescription, ImageReader } from './types.js';

/** Options of {@link partImageNet}. */
export interface PartImageNetOptions {
  /** Split: `<root>/<split>.json` and `<root>/<split>/<wnid>/`. @default 'train' */
  split?: 'train' | 'val' | 'test' | (string & {});
  /** Images per super-category (all of them when a super-category has fewer). @default 500 */
  perSuperclass?: number;
  /** Reads one image. @default readImage of @vit/io */
  imageReader?: ImageReader;
}

/** One PartImageNet image with its part annotations. */
export interface PartImageNetSample extends CocoSample {
  /** WordNet id of the image's ImageNet class. */
  readonly wnid: string;
  /** Super-category (e.g. `"Quadruped"`), from its part categories. */
  readonly superclass: string;
  /** Index of `superclass` among the sorted super-categories of the file. */
  readonly superclassLabel: number;
  /** Part label map `[H,W]` int32: part category id per pixel, -1 for background (later annotations win). */
  partLabelMap(): Tensor<Int32Array>;
}

export const PARTIMAGENET_LAYOUT = '<root>/{train,val,test}.json and <root>/<split>/<wnid>/*.JPEG';

/**
 * Reads PartImageNet: COCO-format part annotations `<root>/<split>.json`, images under
 * `<root>/<split>/<wnid>/`. Each image belongs to the super-category of its part categories;
 * the sample is balanced over super-categories: `perSuperclass` images of each (all when fewer),
 * spread evenly over its ImageNet classes by taking, round-robin over sorted wnids, the next image
 * by file name. Deterministic. Samples are ordered by super-category, wnid, file name.
 *
 * @param root PartImageNet root.
 * @param options See {@link PartImageNetOptions}.
 * @returns A {@link CocoDataset} of {@link PartImageNetSample}; `describe().counts` has
 *   `images`, `annotations`, `partCategories`, `superclasses` and `superclass:<name>` per super-category.
 * @throws {VitDatasetError} `VIT_DATASET_LAYOUT` naming a missing folder or JSON file,
 *   `VIT_DATASET_JSON` / `VIT_DATASET_FORMAT` on a malformed annotation file.
 * @throws {VitValueError} when `perSuperclass` is not a positive integer.
 * @example
 * const ds = await partImageNet('/data/PartImageNet', { split: 'val', perSuperclass: 100 });
 * const parts = ds.samples[0].partLabelMap(); // [H,W], -1 = background
 */
export async function partImageNet(root: string, options: PartImageNetOptions = {}): Promise<CocoDataset<PartImageNetSample>> {
  const split = options.split ?? 'train';
  const per = options.perSuperclass ?? 500;
  if (!Number.isSafeInteger(per) || per < 1) {
    throw new VitValueError(`\`perSuperclass\` of partImageNet must be a positive integer. Got ${String(per)}.`);
  }
  const read = options.imageReader ?? defaultImageReader;
  const abs = resolve(root);
  await requireDir(abs, 'PartImageNet root', PARTIMAGENET_LAYOUT);
  const imageDir = join(abs, split);
  await requireDir(imageDir, `PartImageNet image folder '${split}'`, PARTIMAGENET_LAYOUT);
  const file = join(abs, `${split}.json`);
  const skipped = new SkipLog();
  const index = indexCoco(await readJson(file, 'PartImageNet annotation file', PARTIMAGENET_LAYOUT), file, skipped);
  // part names read "<Super-category> <Part>", which stands in when a file has no supercategory field
  const superName = (c: { name: string; supercategory: string }) => c.supercategory || c.name.split(' ')[0];
  const superOf = new Map(index.categories.map((c) => [c.id, superName(c)]));

  // super-category → wnid → images (sorted by file name below)
  type Entry = { img: (typeof index.images)[number]; path: string };
  const groups = new Map<string, Map<string, Entry[]>>();
  const listings = new Map<string, Set<string>>();
  for (const img of index.images) {
    const anns = index.byImage.get(img.id) ?? [];
    if (anns.length === 0) {
      skipped.add('no-annotations', 'image has no part annotations, so no super-category', img.fileName);
      continue;
    }
    const votes = new Map<string, number>();
    for (const a of anns) votes.set(superOf.get(a.categoryId)!, (votes.get(superOf.get(a.categoryId)!) ?? 0) + 1);
    const sup = [...votes.entries()].sort((a, b) => b[1] - a[1] || compareNames(a[0], b[0]))[0][0];
    const base = img.fileName.split('/').pop()!;
    const wnid = img.fileName.includes('/') ? img.fileName.split('/')[0] : base.split('_')[0];
    const dir = join(imageDir, wnid);
    let names = listings.get(dir);
    if (!names) {
      names = new Set(await readdir(dir).catch(() => [] as string[]));
      listings.set(dir, names);
    }
    if (!names.has(base)) {
      skipped.add('missing-image-file', 'image listed in the annotation file is missing on disk', join(dir, base));
      continue;
    }
    let byWnid = groups.get(sup);
    if (!byWnid) groups.set(sup, (byWnid = new Map()));
    let list = byWnid.get(wnid);
    if (!list) byWnid.set(wnid, (list = []));
    list.push({ img, path: join(dir, base) });
  }

  const superclasses = [...new Set(index.categories.map(superName))].sort(compareNames);
  const samples: PartImageNetSample[] = [];
  const perSuper: Record<string, number> = {};
  for (const sup of superclasses) {
    const byWnid = groups.get(sup) ?? new Map<string, Entry[]>();
    const wnids = [...byWnid.keys()].sort(compareNames);
    const queues = wnids.map((w) => byWnid.get(w)!.sort((a, b) => compareNames(a.img.fileName, b.img.fileName)));
    const taken = wnids.map(() => 0);
    let total = 0;
    const available = queues.reduce((s, q) => s + q.length, 0);
    const quota = Math.min(per, available);
    // round-robin over sub-classes: counts per wnid differ by at most one until a wnid runs out
    while (total < quota) {
      for (let i = 0; i < queues.length && total < quota; i++) {
        if (taken[i] < queues[i].length) {
          taken[i]++;
          total++;
        }
      }
    }
    perSuper[`superclass:${sup}`] = total;
    const label = superclasses.indexOf(sup);
    queues.forEach((q, i) => {
      for (const { img, path } of q.slice(0, taken[i])) {
        const anns = index.byImage.get(img.id)!;
        const base = cocoSample(path, img, anns, file, read);
        samples.push({
          ...base,
          wnid: wnids[i],
          superclass: sup,
          superclassLabel: label,
          partLabelMap: () => {
            const out = new Int32Array(img.height * img.width).fill(-1);
            for (const a of anns) {
              const m = segmentationToMask(a.segmentation, [img.height, img.width], { file: `${file} (annotation ${a.id})` }).data;
              for (let k = 0; k < m.length; k++) if (m[k]) out[k] = a.categoryId;
            }
            return tensor(out, [img.height, img.width]);
          },
        });
      }
    });
  }
  return Object.assign(
    makeDataset('partImageNet', samples, (): DatasetDescription => ({
      dataset: 'partImageNet',
      root: abs,
      split,
      samples: samples.length,
      counts: {
        images: index.images.length,
        annotations: index.annotations,
        partCategories: index.categories.length,
        superclasses: superclasses.length,
        ...perSuper,
      },
      skipped: skipped.reports(),
    })),
    { categories: Object.freeze(index.categories.slice()) },
  );
}
