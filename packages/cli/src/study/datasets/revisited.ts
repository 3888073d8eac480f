import { revisited, type RevisitedName } from '@vit/datasets';
import type { DatasetConfig } from '../config.js';
import { describeLimited, limited, type OpenedReader } from './types.js';

/**
 * Revisited Oxford / Paris (`reader: revisited`, split `roxford5k` or `rparis6k`,
 * `options.groundTruth` `auto`): items are the queries, then the database images (ids `q:<name>` and
 * `<name>`). `source` is the reader's `RevisitedDataset`: item `i < source.queries.length` is
 * `source.queries[i]` (with `bbx`, `easy`, `hard`, `junk`), item `i` beyond is
 * `source.database[i − queries.length]`. `limit` keeps the first items (cutting the database breaks
 * the ground truth: leave it out for retrieval).
 */
export async function openRevisited(config: DatasetConfig): Promise<OpenedReader> {
  const name = (config.split ?? 'roxford5k') as RevisitedName;
  const ds = await revisited(config.root, name, (config.options ?? {}) as { groundTruth?: 'auto' | 'pickle' | 'json' });
  const items = limited(
    ds.samples.map((s, index) => ({ index, id: s.id, path: s.path })),
    config.limit,
  );
  return { split: name, items, source: ds, describe: () => describeLimited(ds.describe(), items.length) };
}
