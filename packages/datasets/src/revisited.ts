import { readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { VitValueError } from '@vit/io';
import { defaultImageReader } from './internal/images.js';
import { formatError, isFile, readJson, requireDir } from './internal/fsutil.js';
import { makeDataset, SkipLog } from './internal/dataset.js';
import { readPickle } from './readPickle.js';
import { VitDatasetError } from './errors.js';
import type { Dataset, DatasetDescription, ImageReader, Sample } from './types.js';

/** The two revisited landmark datasets. */
export type RevisitedName = 'roxford5k' | 'rparis6k';

/** Options of {@link revisited}. */
export interface RevisitedOptions {
  /** Where the ground truth comes from: `'auto'` takes `gnd_<name>.pkl`, else `gnd_<name>.json`. @default 'auto' */
  groundTruth?: 'auto' | 'pickle' | 'json';
  /** Reads one image. @default readImage of @vit/io */
  imageReader?: ImageReader;
}

/** A database image or a query of a revisited dataset. */
export interface RevisitedImage extends Sample {
  /** `"q:<name>"` for queries, `"<name>"` for database images. */
  readonly id: string;
  /** `'query'` or `'database'`. */
  readonly role: 'query' | 'database';
  /** Position in `qimlist` (queries) or `imlist` (database). */
  readonly index: number;
  /** Image name without extension, as in the ground truth. */
  readonly name: string;
}

/** A query with its region and ground truth (indices into the database, 0-based). */
export interface RevisitedQuery extends RevisitedImage {
  readonly role: 'query';
  /** Query region `[x1, y1, x2, y2]` in pixels; the protocol crops the query to it. */
  readonly bbx: [number, number, number, number];
  /** Easy positives. */
  readonly easy: readonly number[];
  /** Hard positives. */
  readonly hard: readonly number[];
  /** Junk images (ignored in scoring). */
  readonly junk: readonly number[];
}

/** A revisited dataset: iteration yields the queries, then the database images. */
export interface RevisitedDataset extends Dataset<RevisitedImage> {
  readonly queries: readonly RevisitedQuery[];
  readonly database: readonly RevisitedImage[];
}

export const REVISITED_LAYOUT = '<root>/<name>/jpg/*.jpg and <root>/<name>/gnd_<name>.pkl (or gnd_<name>.json)';

/**
 * Reads revisited Oxford or Paris (Radenović et al. 2018) as distributed: images
 * `<root>/<name>/jpg/*.jpg` and the ground truth `gnd_<name>.pkl` — read with the restricted
 * {@link readPickle}, never executing anything — or the same structure as `gnd_<name>.json`:
 * `{ imlist, qimlist, gnd: [{ bbx, easy, hard, junk }] }`. Database images missing on disk are
 * kept (the ground-truth indices refer to them) and reported by `describe()`.
 *
 * @param root Folder holding `<name>/`.
 * @param name `'roxford5k'` or `'rparis6k'`.
 * @param options See {@link RevisitedOptions}.
 * @returns A {@link RevisitedDataset}; `describe().counts` has `queries`, `database`, `easy`, `hard`, `junk`.
 * @throws {VitDatasetError} `VIT_DATASET_LAYOUT` naming the missing folder or ground-truth file,
 *   `VIT_PICKLE_FORBIDDEN` when the pickle names anything but data, `VIT_DATASET_FORMAT` on a
 *   malformed ground truth (an index outside the database, a box that is not 4 numbers).
 * @example
 * const ds = await revisited('/data/revisitop', 'roxford5k');
 * const q = ds.queries[0]; // q.bbx, q.easy, q.hard, q.junk
 */
export async function revisited(root: string, name: RevisitedName, options: RevisitedOptions = {}): Promise<RevisitedDataset> {
  if (name !== 'roxford5k' && name !== 'rparis6k') {
    throw new VitValueError(`\`name\` of revisited must be 'roxford5k' or 'rparis6k'. Got ${JSON.stringify(name)}.`);
  }
  const mode = options.groundTruth ?? 'auto';
  const read = options.imageReader ?? defaultImageReader;
  const abs = resolve(root);
  await requireDir(abs, 'revisited root', REVISITED_LAYOUT);
  const dir = join(abs, name);
  await requireDir(dir, `revisited dataset '${name}'`, REVISITED_LAYOUT);
  const jpg = join(dir, 'jpg');
  await requireDir(jpg, `revisited images of '${name}'`, REVISITED_LAYOUT);
  const pkl = join(dir, `gnd_${name}.pkl`);
  const json = join(dir, `gnd_${name}.json`);
  let file: string;
  let gnd: unknown;
  if (mode === 'pickle' || (mode === 'auto' && (await isFile(pkl)))) {
    file = pkl;
    let bytes: Uint8Array;
    try {
      bytes = await readFile(pkl);
    } catch (cause) {
      throw new VitDatasetError(`ground truth not found; expected layout: ${REVISITED_LAYOUT}`, { code: 'VIT_DATASET_LAYOUT', file: pkl, cause });
    }
    gnd = readPickle(bytes, { file: pkl });
  } else {
    file = json;
    gnd = await readJson(json, 'revisited ground truth', REVISITED_LAYOUT);
  }
  const g = gnd as Record<string, unknown>;
  const imlist = strings(g?.imlist, 'imlist', file);
  const qimlist = strings(g?.qimlist, 'qimlist', file);
  if (!Array.isArray(g.gnd) || g.gnd.length !== qimlist.length) {
    throw formatError(file, `ground truth needs a "gnd" list with one entry per query (${qimlist.length}); got ${Array.isArray(g.gnd) ? g.gnd.length : typeof g.gnd}`);
  }
  const onDisk = new Set(await readdir(jpg));
  const skipped = new SkipLog();
  const image = (role: 'query' | 'database', index: number, nm: string): RevisitedImage => {
    const path = join(jpg, `${nm}.jpg`);
    return { id: role === 'query' ? `q:${nm}` : nm, role, index, name: nm, path, loadImage: () => read(path) };
  };
  const database = imlist.map((nm, i) => {
    if (!onDisk.has(`${nm}.jpg`)) skipped.add('missing-image-file', 'database image missing on disk (kept so ground-truth indices stay aligned; loadImage() will fail)', join(jpg, `${nm}.jpg`));
    return image('database', i, nm);
  });
  let easyN = 0;
  let hardN = 0;
  let junkN = 0;
  const queries: RevisitedQuery[] = qimlist.map((nm, i) => {
    const e = g.gnd as unknown[];
    const q = e[i] as Record<string, unknown>;
    if (!onDisk.has(`${nm}.jpg`)) skipped.add('missing-image-file', 'query image missing on disk', join(jpg, `${nm}.jpg`));
    const bbx = numbers(q?.bbx, `gnd[${i}].bbx`, file);
    if (bbx.length !== 4) throw formatError(file, `gnd[${i}].bbx must be [x1, y1, x2, y2]; got ${bbx.length} numbers`);
    const lists = (['easy', 'hard', 'junk'] as const).map((k) => {
      const l = q?.[k] === undefined ? [] : numbers(q[k], `gnd[${i}].${k}`, file);
      for (const v of l) {
        if (!Number.isInteger(v) || v < 0 || v >= imlist.length) throw formatError(file, `gnd[${i}].${k} holds ${v}, outside the database [0, ${imlist.length})`);
      }
      return Object.freeze(l);
    });
    easyN += lists[0].length;
    hardN += lists[1].length;
    junkN += lists[2].length;
    return { ...image('query', i, nm), role: 'query', bbx: [bbx[0], bbx[1], bbx[2], bbx[3]], easy: lists[0], hard: lists[1], junk: lists[2] };
  });
  const all: RevisitedImage[] = [...queries, ...database];
  return makeDataset(
    name,
    all,
    (): DatasetDescription => ({
      dataset: name,
      root: abs,
      split: 'all',
      samples: all.length,
      counts: { queries: queries.length, database: database.length, easy: easyN, hard: hardN, junk: junkN },
      skipped: skipped.reports(),
    }),
    { queries: Object.freeze(queries), database: Object.freeze(database) },
  ) as RevisitedDataset;
}

function strings(x: unknown, key: string, file: string): string[] {
  if (!Array.isArray(x) || !x.every((s) => typeof s === 'string')) throw formatError(file, `ground truth needs "${key}", a list of image names`);
  return x as string[];
}

/** A list, tuple or numpy array of numbers → number[]. */
function numbers(x: unknown, key: string, file: string): number[] {
  if (Array.isArray(x)) {
    return x.map((v) => {
      const n = typeof v === 'bigint' ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isFinite(n)) throw formatError(file, `${key} must hold numbers; got ${String(v)}`);
      return n;
    });
  }
  const t = x as { data?: ArrayLike<number | bigint>; shape?: number[]; offset?: number; size?: number };
  if (t && typeof t === 'object' && t.data && Array.isArray(t.shape)) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(Number(t.data[(t.offset ?? 0) + i]));
    return out;
  }
  throw formatError(file, `${key} must be a list or numpy array of numbers; got ${x === null ? 'None' : typeof x}`);
}
