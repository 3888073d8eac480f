import { spair } from '@vit/datasets';
import type { DatasetConfig } from '../config.js';
import type { StudyItem } from '../types.js';
import { describeLimited, limited, type OpenedReader } from './types.js';

/**
 * SPair-71k (`reader: spair`, split `test`, `options.pairsPerCategory` 20, `options.seed` 0): items
 * are the unique images of the drawn pairs, in order of first appearance (each pair's source, then
 * its target), id `<category>/<image name>`, labelled by category (`classes`: the categories in
 * sorted order). `source` is the reader's `Dataset<SpairPair>`; a pair's images are the items
 * whose `path` equals `pair.source.path` / `pair.target.path`. `limit` keeps the first images
 * (pairs whose images are cut off have no features).
 */
export async function openSpair(config: DatasetConfig): Promise<OpenedReader> {
  const o = (config.options ?? {}) as { pairsPerCategory?: number; seed?: number };
  const ds = await spair(config.root, { ...(config.split ? { split: config.split as 'trn' | 'val' | 'test' } : {}), ...o });
  const classes = [...new Set(ds.samples.map((p) => p.category))].sort();
  const seen = new Set<string>();
  const all: StudyItem[] = [];
  for (const p of ds.samples) {
    for (const side of [p.source, p.target]) {
      if (seen.has(side.path)) continue;
      seen.add(side.path);
      all.push({ index: all.length, id: `${p.category}/${side.imageName}`, path: side.path, label: classes.indexOf(p.category) });
    }
  }
  const items = limited(all, config.limit);
  return {
    split: ds.describe().split,
    items,
    classes,
    source: ds,
    describe: () => describeLimited({ ...ds.describe(), samples: all.length, counts: { ...ds.describe().counts, pairs: ds.samples.length, images: all.length } }, items.length),
  };
}
