import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Prng, tensor, VitValueError } from '@vit/io';
import type { Tensor } from '@vit/io';
import { defaultImageReader } from './internal/images.js';
import { compareNames, formatError, isFile, listSorted, readJson, requireDir } from './internal/fsutil.js';
import { makeDataset, sampleWithoutReplacement, SkipLog } from './internal/dataset.js';
import type { Dataset, DatasetDescription, ImageReader, Sample } from './types.js';

/** Options of {@link spair}. */
export interface SpairOptions {
  /** Pair split folder under `PairAnnotation/`. @default 'test' */
  split?: 'trn' | 'val' | 'test';
  /** Pairs drawn per category, without replacement (all when fewer); `Infinity` = all. @default 20 */
  pairsPerCategory?: number;
  /** Seed of the drawing (the `Prng` of `@vit/io`, stream `spair`; one stream over categories in sorted order). @default 0 */
  seed?: number;
  /** Reads one image. @default readImage of @vit/io */
  imageReader?: ImageReader;
}

/** One side (source or target) of an SPair pair. */
export interface SpairImage {
  /** Image file name, e.g. `"2008_000315.jpg"`. */
  readonly imageName: string;
  readonly path: string;
  /** `[x1, y1, x2, y2]` object box in pixels. */
  readonly bbox: [number, number, number, number];
  /** Matched keypoints `[K,2]` (x, y), in `kpsIds` order: visible in both images. */
  readonly keypoints: Tensor<Float32Array>;
  /**
   * Visibility of every keypoint of the category `[N]` (1 = annotated), from
   * `ImageAnnotation/<category>/<name>.json`; when that file is absent, from the pair (N = max id + 1).
   */
  readonly visible: Uint8Array;
  /** Decodes the image `[H,W,3]`. */
  loadImage(): Promise<Tensor<Uint8Array>>;
}

/** One SPair-71k pair. `path` / `loadImage()` are the source image's. */
export interface SpairPair extends Sample {
  /** Pair file stem, e.g. `"000001-2008_000315-2008_000601:aeroplane"`. */
  readonly id: string;
  readonly category: string;
  /** Category keypoint ids of the K matched keypoints. */
  readonly kpsIds: readonly number[];
  readonly source: SpairImage;
  readonly target: SpairImage;
  /** Difficulty flags of the pair as stored (`viewpoint_variation`, `scale_variation`, `truncation`, `occlusion`, `mirror`). */
  readonly flags: Readonly<Record<string, number>>;
}

export const SPAIR_LAYOUT = '<root>/PairAnnotation/{trn,val,test}/*.json, <root>/ImageAnnotation/<category>/*.json, <root>/JPEGImages/<category>/*.jpg';

/**
 * Reads SPair-71k pairs: `PairAnnotation/<split>/*.json` with matched keypoints, boxes and
 * difficulty flags, per-image keypoint visibility from `ImageAnnotation/<category>/`, images
 * from `JPEGImages/<category>/`. From each category (in sorted order) `pairsPerCategory` pairs
 * are drawn without replacement from its pair files (sorted by name) with a seeded generator;
 * the same seed gives the same pairs. Pairs whose image is missing are skipped and reported.
 *
 * @param root SPair-71k root.
 * @param options See {@link SpairOptions}.
 * @returns A {@link Dataset} of {@link SpairPair}, by category then draw order; `describe().counts`
 *   has `categories`, `pairFiles`, `pairs:<category>` per category.
 * @throws {VitDatasetError} `VIT_DATASET_LAYOUT` naming a missing folder, `VIT_DATASET_JSON` /
 *   `VIT_DATASET_FORMAT` naming a malformed pair file.
 * @throws {VitValueError} when `pairsPerCategory` is not a positive integer or Infinity.
 * @example
 * const ds = await spair('/data/SPair-71k', { seed: 1 });
 * const p = ds.samples[0]; // p.source.keypoints [K,2] ↔ p.target.keypoints [K,2]
 */
export async function spair(root: string, options: SpairOptions = {}): Promise<Dataset<SpairPair>> {
  const split = options.split ?? 'test';
  const per = options.pairsPerCategory ?? 20;
  if (!(per === Infinity || (Number.isSafeInteger(per) && per > 0))) {
    throw new VitValueError(`\`pairsPerCategory\` of spair must be a positive integer or Infinity. Got ${String(per)}.`);
  }
  const seed = options.seed ?? 0;
  const read = options.imageReader ?? defaultImageReader;
  const abs = resolve(root);
  await requireDir(abs, 'SPair-71k root', SPAIR_LAYOUT);
  const pairDir = join(abs, 'PairAnnotation', split);
  await requireDir(pairDir, `SPair-71k pair annotations '${split}'`, SPAIR_LAYOUT);
  await requireDir(join(abs, 'JPEGImages'), 'SPair-71k images', SPAIR_LAYOUT);
  const files = await listSorted(pairDir, 'file', (f) => f.endsWith('.json'));
  // the category is the part after ':' in SPair's pair file names; read the file only otherwise
  const byCat = new Map<string, string[]>();
  for (const f of files) {
    let cat = /:([^:]+)\.json$/.exec(f)?.[1];
    if (!cat) cat = str((await readJson(join(pairDir, f), 'SPair pair file')) as Record<string, unknown>, 'category', join(pairDir, f));
    let list = byCat.get(cat);
    if (!list) byCat.set(cat, (list = []));
    list.push(f);
  }
  const categories = [...byCat.keys()].sort(compareNames);
  const rand = new Prng(seed, 'spair');
  const skipped = new SkipLog();
  const visCache = new Map<string, Promise<Uint8Array | null>>();
  const listing = new Map<string, Promise<Set<string>>>();
  const exists = (cat: string, name: string): Promise<boolean> => {
    let p = listing.get(cat);
    if (!p) listing.set(cat, (p = readdir(join(abs, 'JPEGImages', cat)).then((l) => new Set(l), () => new Set<string>())));
    return p.then((s) => s.has(name));
  };
  const pairs: SpairPair[] = [];
  const counts: Record<string, number> = { categories: categories.length, pairFiles: files.length };
  for (const cat of categories) {
    const drawn = sampleWithoutReplacement(byCat.get(cat)!, per, rand);
    let kept = 0;
    for (const f of drawn) {
      const file = join(pairDir, f);
      const j = (await readJson(file, 'SPair pair file')) as Record<string, unknown>;
      if (!j || typeof j !== 'object') throw formatError(file, 'SPair pair file must hold an object');
      const srcName = str(j, 'src_imname', file);
      const trgName = str(j, 'trg_imname', file);
      const okSrc = await exists(cat, srcName);
      const okTrg = await exists(cat, trgName);
      if (!okSrc || !okTrg) {
        skipped.add('missing-image-file', 'pair points at an image missing from JPEGImages', join(abs, 'JPEGImages', cat, okSrc ? trgName : srcName));
        continue;
      }
      const kpsIds = numList(j.kps_ids, 'kps_ids', file);
      const src = await side(abs, cat, srcName, j.src_kps, j.src_bndbox, kpsIds, 'src', file, read, visCache);
      const trg = await side(abs, cat, trgName, j.trg_kps, j.trg_bndbox, kpsIds, 'trg', file, read, visCache);
      const flags: Record<string, number> = {};
      for (const k of ['viewpoint_variation', 'scale_variation', 'truncation', 'occlusion', 'mirror']) if (typeof j[k] === 'number') flags[k] = j[k] as number;
      pairs.push({
        id: f.replace(/\.json$/, ''),
        category: cat,
        kpsIds: Object.freeze(kpsIds),
        source: src,
        target: trg,
        flags: Object.freeze(flags),
        path: src.path,
        loadImage: () => src.loadImage(),
      });
      kept++;
    }
    counts[`pairs:${cat}`] = kept;
  }
  return makeDataset('spair', pairs, (): DatasetDescription => ({
    dataset: 'spair',
    root: abs,
    split,
    samples: pairs.length,
    counts,
    skipped: skipped.reports(),
  }));
}

function str(j: Record<string, unknown>, key: string, file: string): string {
  if (typeof j?.[key] !== 'string') throw formatError(file, `SPair pair file needs a string "${key}"`);
  return j[key] as string;
}

function numList(x: unknown, key: string, file: string): number[] {
  if (!Array.isArray(x)) throw formatError(file, `SPair pair file needs a list "${key}"`);
  return x.map((v) => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw formatError(file, `"${key}" of an SPair pair file must hold numbers; got ${JSON.stringify(v)}`);
    return n;
  });
}

async function side(
  root: string,
  cat: string,
  name: string,
  kps: unknown,
  box: unknown,
  kpsIds: number[],
  which: 'src' | 'trg',
  file: string,
  read: ImageReader,
  cache: Map<string, Promise<Uint8Array | null>>,
): Promise<SpairImage> {
  if (!Array.isArray(kps) || kps.length !== kpsIds.length || !kps.every((p) => Array.isArray(p) && p.length >= 2)) {
    throw formatError(file, `"${which}_kps" of an SPair pair file must be ${kpsIds.length} [x, y] points (one per kps_ids entry)`);
  }
  const bb = numList(box, `${which}_bndbox`, file);
  if (bb.length !== 4) throw formatError(file, `"${which}_bndbox" of an SPair pair file must be [x1, y1, x2, y2]`);
  const xy = new Float32Array(kps.length * 2);
  kps.forEach((p: number[], i) => {
    xy[2 * i] = Number(p[0]);
    xy[2 * i + 1] = Number(p[1]);
  });
  const key = `${cat}/${name}`;
  let vis = cache.get(key);
  if (!vis) cache.set(key, (vis = imageVisibility(join(root, 'ImageAnnotation', cat, name.replace(/\.[^.]+$/, '.json')))));
  let visible = await vis;
  if (!visible) {
    visible = new Uint8Array(kpsIds.length ? Math.max(...kpsIds) + 1 : 0);
    for (const id of kpsIds) visible[id] = 1;
  }
  const path = join(root, 'JPEGImages', cat, name);
  return {
    imageName: name,
    path,
    bbox: [bb[0], bb[1], bb[2], bb[3]],
    keypoints: tensor(xy, [kps.length, 2]),
    visible,
    loadImage: () => read(path),
  };
}

/** `kps: { "0": [x, y] | null, … }` of an ImageAnnotation file → visibility; null when the file is absent. */
async function imageVisibility(file: string): Promise<Uint8Array | null> {
  if (!(await isFile(file))) return null;
  const j = (await readJson(file, 'SPair image annotation')) as Record<string, unknown>;
  const kps = j?.kps;
  if (!kps || typeof kps !== 'object') throw formatError(file, 'SPair image annotation needs a "kps" object');
  const ids = Object.keys(kps).map(Number);
  const out = new Uint8Array(ids.length ? Math.max(...ids) + 1 : 0);
  for (const [k, v] of Object.entries(kps)) if (v !== null) out[Number(k)] = 1;
  return out;
}
