import { coco, partImageNet } from '@vit/datasets';
import type { DatasetConfig } from '../config.js';
import { describeLimited, limited, type OpenedReader } from './types.js';

/**
 * COCO (`reader: coco`, split `val2017`) or PartImageNet (`reader: partImageNet`, split `train`,
 * `options.perSuperclass` 500). `source` is the reader's `CocoDataset`: item index = index into
 * `source.samples` (masks: `source.samples[i].instanceMasks()`, parts: `.partLabelMap()`;
 * categories: `source.categories`). COCO's `limit` is the reader's own (the first images by id
 * with an instance; 5000 when left out); PartImageNet items are labelled by super-category
 * (`classes`), and `limit` keeps the first items (the first super-categories).
 */
export async function openCoco(config: DatasetConfig): Promise<OpenedReader> {
  const split = config.split ? { split: config.split } : {};
  if (config.reader === 'coco') {
    const ds = await coco(config.root, { ...split, ...(config.limit !== undefined ? { limit: config.limit } : {}) });
    const items = ds.samples.map((s, index) => ({ index, id: String(s.id), path: s.path }));
    return { split: ds.describe().split, items, source: ds, describe: () => ds.describe() };
  }
  const ds = await partImageNet(config.root, { ...split, ...(config.options as { perSuperclass?: number } | undefined) });
  const classes: string[] = [];
  for (const s of ds.samples) classes[s.superclassLabel] = s.superclass;
  for (let i = 0; i < classes.length; i++) classes[i] ??= '';
  const items = limited(
    ds.samples.map((s, index) => ({ index, id: String(s.id), path: s.path, label: s.superclassLabel })),
    config.limit,
  );
  return { split: ds.describe().split, items, classes, source: ds, describe: () => describeLimited(ds.describe(), items.length) };
}
