import type { OpenDataset } from '../../types.js';

const cache = new WeakMap<readonly unknown[], Map<number, number>>();

/**
 * Position of each item in the dataset's item list, by `StudyItem.index` (the same in a
 * single run and in every shard, so "the first N images" means the same images everywhere).
 */
export function itemPositions(dataset: Pick<OpenDataset, 'items'>): Map<number, number> {
  let m = cache.get(dataset.items);
  if (!m) {
    m = new Map(dataset.items.map((it, p) => [it.index, p]));
    cache.set(dataset.items, m);
  }
  return m;
}
