import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { VitValueError } from '@vit/io';
import { VitDatasetError } from '@vit/datasets';
import type { OpenDataset } from '../../types.js';

/** Readers whose datasets carry foreground masks (SPEC 5's ground truth). */
const MASK_READERS: readonly string[] = ['coco', 'partImageNet', 'folder'];

/**
 * Checks that `dataset` has foreground masks for saliency: a COCO or PartImageNet dataset, or
 * a `folder` dataset with a `masks/` folder.
 * @throws VitValueError for another reader; VitDatasetError when a folder dataset has no `masks/`.
 */
export function requireForegroundMasks(dataset: OpenDataset, type: string): void {
  if (!MASK_READERS.includes(dataset.reader)) {
    throw new VitValueError(`the ${type} analysis needs foreground masks, which the ${dataset.reader} dataset '${dataset.name}' does not have; run it on a coco, partImageNet or folder dataset with masks/.`);
  }
  if (dataset.reader === 'folder' && !existsSync(join(dataset.root, 'masks'))) {
    throw new VitDatasetError(`the folder dataset '${dataset.name}' has no masks/ folder; the ${type} analysis needs masks/<image file> (1 = foreground) beside images/.`, {
      code: 'VIT_DATASET_LAYOUT',
      file: join(dataset.root, 'masks'),
    });
  }
}

