import { join, resolve } from 'node:path';
import { writePickle } from '../writePickle.js';
import { put, writeJpeg } from './files.js';

/** Options of {@link writeSyntheticRevisited}. */
export interface WriteSyntheticRevisitedOptions {
  /** Ground-truth format: `gnd_<name>.pkl` or `gnd_<name>.json`. @default 'pickle' */
  format?: 'pickle' | 'json';
  /** Pickle protocol. @default 2 */
  protocol?: 2 | 4;
  /** Database images. @default 10 */
  database?: number;
  /** Queries (database images that are also queries, as in the real sets). @default 3 */
  queries?: number;
}

/** The ground truth {@link writeSyntheticRevisited} wrote, as plain data. */
export interface SyntheticRevisitedGnd {
  imlist: string[];
  qimlist: string[];
  gnd: { bbx: number[]; easy: number[]; hard: number[]; junk: number[] }[];
}

/** What {@link writeSyntheticRevisited} wrote. */
export interface SyntheticRevisited {
  root: string;
  /** The ground-truth file. */
  groundTruthFile: string;
  gnd: SyntheticRevisitedGnd;
}

/**
 * Writes a tiny revisited Oxford/Paris: `<dir>/<name>/jpg/<image>.jpg` and the ground truth
 * `<dir>/<name>/gnd_<name>.pkl` (written by {@link writePickle}) or `.json`, with the real
 * structure `{ imlist, qimlist, gnd: [{ bbx, easy, hard, junk }] }`. Query q's positives are
 * database images `i` with `i % queries === q`: the first easy, the second hard, the third junk,
 * then repeating.
 *
 * @param dir Folder to write into (the dataset root; `<name>/` is created under it).
 * @param name `'roxford5k'` or `'rparis6k'`.
 * @param options See {@link WriteSyntheticRevisitedOptions}.
 * @returns The root, the ground-truth file and its content.
 * @example
 * const { root } = await writeSyntheticRevisited('/tmp/rev', 'roxford5k');
 * const ds = await revisited(root, 'roxford5k');
 */
export async function writeSyntheticRevisited(dir: string, name: 'roxford5k' | 'rparis6k', options: WriteSyntheticRevisitedOptions = {}): Promise<SyntheticRevisited> {
  const format = options.format ?? 'pickle';
  const nDb = options.database ?? 10;
  const nQ = options.queries ?? 3;
  const root = resolve(dir);
  const prefix = name === 'roxford5k' ? 'all_souls' : 'paris_defense';
  const imlist = Array.from({ length: nDb }, (_, i) => `${prefix}_${String(i + 1).padStart(6, '0')}`);
  const qimlist = imlist.slice(0, nQ);
  const gnd = qimlist.map((_, q) => {
    const mine = imlist.map((__, i) => i).filter((i) => i % nQ === q);
    return {
      bbx: [1.5 + q, 2.25, 20.5 + q, 15.75],
      easy: mine.filter((_, k) => k % 3 === 0),
      hard: mine.filter((_, k) => k % 3 === 1),
      junk: mine.filter((_, k) => k % 3 === 2),
    };
  });
  for (let i = 0; i < nDb; i++) await writeJpeg(join(root, name, 'jpg', `${imlist[i]}.jpg`), 18, 24, i + 1);
  const data = { gnd: gnd.map((g) => ({ ...g, bbx: Float64Array.from(g.bbx) })), imlist, qimlist };
  const groundTruthFile = join(root, name, `gnd_${name}.${format === 'pickle' ? 'pkl' : 'json'}`);
  await put(groundTruthFile, format === 'pickle' ? writePickle(data, { protocol: options.protocol ?? 2 }) : JSON.stringify({ ...data, gnd }));
  return { root, groundTruthFile, gnd: { imlist, qimlist, gnd } };
}
