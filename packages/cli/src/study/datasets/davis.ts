import { davis } from '@vit/datasets';
import type { DatasetConfig } from '../config.js';
import type { StudyItem } from '../types.js';
import { describeLimited, limited, type OpenedReader } from './types.js';

/**
 * DAVIS 2017 (`reader: davis`, split `val`, `options.resolution` `480p`): items are the frames of
 * every video, videos in the split file's order, frames in order (id `<video>/<frame>`). `source`
 * is the reader's `Dataset<DavisVideo>`: item index `i` is frame `i − start(v)` of
 * `source.samples[v]`, where `start(v)` is the number of frames of the videos before `v`
 * (annotations: `frame.loadMask()`). `limit` keeps the first frames.
 */
export async function openDavis(config: DatasetConfig): Promise<OpenedReader> {
  const ds = await davis(config.root, { ...(config.split ? { split: config.split } : {}), ...(config.options as { resolution?: string } | undefined) });
  const all: StudyItem[] = [];
  for (const v of ds.samples) for (const f of v.frames) all.push({ index: all.length, id: f.id, path: f.path });
  const items = limited(all, config.limit);
  return { split: ds.describe().split, items, source: ds, describe: () => describeLimited({ ...ds.describe(), samples: all.length }, items.length) };
}
