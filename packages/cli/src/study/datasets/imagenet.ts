import { IMAGENET50_CLASSES, imagenet, imagenet50 } from '@vit/datasets';
import type { DatasetConfig } from '../config.js';
import { describeLimited, limited, type OpenedReader } from './types.js';

/**
 * ImageNet in class folders (`reader: imagenet`, split `val` by default) or ImageNet-50
 * (`reader: imagenet50`, split `train`, `options.perClass` 100): items are the reader's samples in
 * its order (by class, then file name), labelled by class; `classes` are the wnids (ImageNet) or
 * the class names (ImageNet-50); `source` is the reader's `Dataset` (item index = index into
 * `source.samples`). `limit` keeps the first items, i.e. the first classes: use ImageNet-50's
 * `perClass` for a balanced subset.
 */
export async function openImageNet(config: DatasetConfig): Promise<OpenedReader> {
  const fifty = config.reader === 'imagenet50';
  const ds = fifty
    ? await imagenet50(config.root, { ...(config.split ? { split: config.split } : {}), ...(config.options as { perClass?: number } | undefined) })
    : await imagenet(config.root, config.split ? { split: config.split } : {});
  const all = ds.samples.map((s, index) => ({ index, id: s.id, path: s.path, label: s.label }));
  let classes: string[];
  if (fifty) classes = IMAGENET50_CLASSES.slice().sort((a, b) => (a.wnid < b.wnid ? -1 : a.wnid > b.wnid ? 1 : 0)).map((c) => c.name);
  else {
    classes = new Array<string>(ds.describe().counts.classes ?? 0).fill('');
    for (const s of ds.samples) classes[s.label] = s.wnid;
  }
  const items = limited(all, config.limit);
  return { split: ds.describe().split, items, classes, source: ds, describe: () => describeLimited(ds.describe(), items.length) };
}
