import type { DatasetDescription } from '@vit/datasets';
import type { StudyItem } from '../types.js';

/** What a reader adapter returns; `openDataset` adds the config's name, reader and root. */
export interface OpenedReader {
  readonly split?: string;
  readonly items: readonly StudyItem[];
  readonly classes?: readonly string[];
  readonly source: unknown;
  describe(): DatasetDescription;
}

/** The first `limit` items (all without one). */
export function limited<T>(list: readonly T[], limit: number | undefined): readonly T[] {
  return limit === undefined ? list : list.slice(0, limit);
}

/** `describe()` of the reader with the count after `limit` (`samples`) and the reader's own in `counts.readerSamples`. */
export function describeLimited(d: DatasetDescription, items: number): DatasetDescription {
  return items === d.samples ? d : { ...d, samples: items, counts: { ...d.counts, readerSamples: d.samples } };
}
