import type { DatasetConfig } from './config.js';
import { openCoco } from './datasets/coco.js';
import { openDavis } from './datasets/davis.js';
import { openFolder } from './datasets/folder.js';
import { openImageNet } from './datasets/imagenet.js';
import { openRevisited } from './datasets/revisited.js';
import { openSpair } from './datasets/spair.js';
import type { OpenedReader } from './datasets/types.js';
import { withContext } from './internal/withContext.js';
import type { OpenDataset } from './types.js';

const OPENERS: Record<DatasetConfig['reader'], (config: DatasetConfig) => Promise<OpenedReader>> = {
  folder: openFolder,
  imagenet: openImageNet,
  imagenet50: openImageNet,
  coco: openCoco,
  partImageNet: openCoco,
  davis: openDavis,
  spair: openSpair,
  revisited: openRevisited,
};

/**
 * Open a dataset of a study config with its `@vit/datasets` reader (or as a plain image folder):
 * the items every pass streams, in a stable order, with `limit` applied, plus the reader's object
 * as `source` for the analyses that need annotations. Per reader (`StudyItem.index` → `source`):
 * - `folder`: `source` = the parsed `labels.json` (or `undefined` without one); index = index into
 *   its `files` (without one: every image under the root, recursively, sorted by path);
 * - `imagenet`, `imagenet50`: `source` = the `Dataset`; index = index into `source.samples`; labelled;
 * - `coco`, `partImageNet`: `source` = the `CocoDataset`; index = index into `source.samples`
 *   (PartImageNet labelled by super-category; COCO's `limit` is the reader's, 5000 by default);
 * - `davis`: items = the frames of all videos in order; index = running frame number over
 *   `source.samples` (the videos);
 * - `spair`: items = the unique images of the drawn pairs in first-appearance order (source, then
 *   target); match a pair's images by `path`;
 * - `revisited`: `split` names the dataset (`roxford5k` | `rparis6k`); items = queries, then the
 *   database; index < `source.queries.length` is a query, else `source.database[index − queries]`.
 * Reader options come from `options` (`perClass`, `perSuperclass`, `resolution`, `pairsPerCategory`,
 * `seed`, `groundTruth`).
 *
 * @param config one `datasets[]` entry of a parsed study config (absolute `root`).
 * @returns the opened dataset.
 * @throws the reader's error, prefixed with `dataset "<name>"` and keeping its code and file:
 *   `VIT_NOT_FOUND` / `VIT_DATASET_LAYOUT` (a missing root, folder or file), `VIT_DATASET_JSON`,
 *   `VIT_DATASET_FORMAT`, `VIT_NO_IMAGES` (a folder without images).
 * @example
 * const sample = await openDataset({ name: 'sample', reader: 'folder', root: '/abs/zoo/bench/sample', limit: 100 });
 * sample.items[0]; // { index: 0, id: '0000.png', path: '/abs/zoo/bench/sample/images/0000.png', label: 9 }
 */
export async function openDataset(config: DatasetConfig): Promise<OpenDataset> {
  let opened: OpenedReader;
  try {
    opened = await OPENERS[config.reader](config);
  } catch (e) {
    throw withContext(e, `dataset "${config.name}" (${config.reader} reader)`);
  }
  return {
    name: config.name,
    reader: config.reader,
    root: config.root,
    ...(opened.split !== undefined ? { split: opened.split } : {}),
    items: opened.items,
    ...(opened.classes !== undefined ? { classes: opened.classes } : {}),
    source: opened.source,
    describe: () => opened.describe(),
  };
}
