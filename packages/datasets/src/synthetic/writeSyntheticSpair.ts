import { join, resolve } from 'node:path';
import { put, writeJpeg } from './files.js';
import { syntheticSpairKeypoints } from './syntheticSpairKeypoints.js';

/** Options of {@link writeSyntheticSpair}. */
export interface WriteSyntheticSpairOptions {
  /** Categories (written in this order). @default ['dog', 'aeroplane', 'cat'] */
  categories?: readonly string[];
  /** Images per category (pairs are all ordered pairs of distinct images). @default 4 */
  imagesPerCategory?: number;
  /** Pair split folder. @default 'test' */
  split?: 'trn' | 'val' | 'test';
}

/** What {@link writeSyntheticSpair} wrote. */
export interface SyntheticSpair {
  root: string;
  /** Pair file stems per category, sorted. */
  pairs: Record<string, string[]>;
}

const H = 20;
const W = 26;

/**
 * Writes a tiny SPair-71k: `JPEGImages/<cat>/<name>.jpg`, `ImageAnnotation/<cat>/<name>.json`
 * (`kps` with nulls for hidden keypoints, `bndbox`, size), and one pair file per ordered pair of
 * distinct images `PairAnnotation/<split>/<6-digit index>-<src>-<trg>:<cat>.json` with
 * `src_kps`/`trg_kps` for the keypoints visible in both, `kps_ids`, boxes and difficulty flags.
 *
 * @param dir Folder to write into (created).
 * @param options See {@link WriteSyntheticSpairOptions}.
 * @returns The root and the pair stems per category.
 * @example
 * const { root } = await writeSyntheticSpair('/tmp/spair');
 * const ds = await spair(root, { pairsPerCategory: 5, seed: 1 });
 */
export async function writeSyntheticSpair(dir: string, options: WriteSyntheticSpairOptions = {}): Promise<SyntheticSpair> {
  const cats = options.categories ?? ['dog', 'aeroplane', 'cat'];
  const n = options.imagesPerCategory ?? 4;
  const split = options.split ?? 'test';
  const root = resolve(dir);
  const pairs: Record<string, string[]> = {};
  let index = 1;
  let seed = 1;
  for (const cat of cats) {
    const names: string[] = [];
    for (let i = 0; i < n; i++) {
      const name = `2008_${String(100 * (cats.indexOf(cat) + 1) + i).padStart(6, '0')}`;
      names.push(name);
      await writeJpeg(join(root, 'JPEGImages', cat, `${name}.jpg`), H, W, seed++);
      const kps: Record<string, [number, number] | null> = {};
      syntheticSpairKeypoints(i).forEach((p, j) => (kps[String(j)] = p));
      await put(
        join(root, 'ImageAnnotation', cat, `${name}.json`),
        JSON.stringify({ filename: `${name}.jpg`, src_database: 'PASCAL', category: cat, image_width: W, image_height: H, image_depth: 3, bndbox: [1, 2, 20 + i, 16], kps, azimuth_id: i, truncated: 0, occluded: 0 }),
      );
    }
    pairs[cat] = [];
    for (let s = 0; s < n; s++) {
      for (let t = 0; t < n; t++) {
        if (s === t) continue;
        const ks = syntheticSpairKeypoints(s);
        const kt = syntheticSpairKeypoints(t);
        const ids = ks.map((_, j) => j).filter((j) => ks[j] && kt[j]);
        const stem = `${String(index++).padStart(6, '0')}-${names[s]}-${names[t]}:${cat}`;
        pairs[cat].push(stem);
        await put(
          join(root, 'PairAnnotation', split, `${stem}.json`),
          JSON.stringify({
            pair_id: index - 1,
            filename: `${stem}.json`,
            src_imname: `${names[s]}.jpg`,
            trg_imname: `${names[t]}.jpg`,
            src_imsize: [W, H, 3],
            trg_imsize: [W, H, 3],
            src_bndbox: [1, 2, 20 + s, 16],
            trg_bndbox: [1, 2, 20 + t, 16],
            category: cat,
            src_pose: 'Frontal',
            trg_pose: 'Left',
            src_kps: ids.map((j) => ks[j]),
            trg_kps: ids.map((j) => kt[j]),
            kps_ids: ids.map(String),
            viewpoint_variation: (s + t) % 3,
            scale_variation: s % 3,
            truncation: 0,
            occlusion: t % 2,
            mirror: 0,
          }),
        );
      }
    }
    pairs[cat].sort();
  }
  return { root, pairs };
}
