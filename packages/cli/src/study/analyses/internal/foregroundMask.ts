import { existsSync } from 'node:fs';
import { basename, extname, isAbsolute, join, relative } from 'node:path';
import { readLabelPng, tensor, type Tensor } from '@vit/io';
import { VitDatasetError, type CocoSample } from '@vit/datasets';
import type { OpenDataset, StudyItem } from '../../types.js';

interface CocoLike {
  samples: readonly CocoSample[];
}

const pathIndex = new WeakMap<object, Map<string, CocoSample>>();

function cocoSample(dataset: OpenDataset, item: StudyItem): CocoSample {
  const src = dataset.source as CocoLike;
  const byIndex = src.samples[item.index];
  if (byIndex && byIndex.path === item.path) return byIndex;
  let map = pathIndex.get(src);
  if (!map) {
    map = new Map(src.samples.map((s) => [s.path, s]));
    pathIndex.set(src, map);
  }
  const s = map.get(item.path);
  if (!s) throw new VitDatasetError(`not an image of the ${dataset.reader} dataset '${dataset.name}' (no annotations for it); the dataset changed since it was opened.`, { code: 'VIT_DATASET_LAYOUT', file: item.path });
  return s;
}

/** The masks folder of a `folder` dataset and the mask file of one of its images. */
function folderMaskPath(dataset: OpenDataset, item: StudyItem): string {
  const images = join(dataset.root, 'images');
  let rel = relative(images, item.path);
  if (rel.startsWith('..') || isAbsolute(rel)) rel = relative(dataset.root, item.path);
  const same = join(dataset.root, 'masks', rel);
  if (existsSync(same)) return same;
  const png = join(dataset.root, 'masks', rel.slice(0, rel.length - extname(rel).length) + '.png');
  if (existsSync(png)) return png;
  throw new VitDatasetError(`the foreground mask of ${basename(item.path)} is missing; a folder dataset with masks needs masks/<image file> (or masks/<stem>.png) for every image.`, {
    code: 'VIT_DATASET_LAYOUT',
    file: same,
  });
}

/**
 * The foreground of one image at its own size, `[H,W]` (non-zero = foreground): the union of
 * the non-crowd instance masks (COCO; PartImageNet: its part masks, i.e. the object), or the
 * `folder` dataset's `masks/<file>` label PNG.
 */
export async function foregroundMask(dataset: OpenDataset, item: StudyItem): Promise<Tensor<Uint8Array>> {
  if (dataset.reader === 'folder') return readLabelPng(folderMaskPath(dataset, item));
  const s = cocoSample(dataset, item);
  const inst = s.instanceMasks();
  const [N, H, W] = inst.masks.shape;
  const out = new Uint8Array(H * W);
  const m = inst.masks.data;
  for (let n = 0; n < N; n++) {
    const o = inst.masks.offset + n * H * W;
    for (let k = 0; k < H * W; k++) out[k] |= m[o + k];
  }
  return tensor(out, [H, W]);
}
