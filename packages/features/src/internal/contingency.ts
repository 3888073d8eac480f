import { VitValueError } from '@vit/io';

/** A sparse contingency table: only the non-zero cells (so all-singleton labelings of any n fit). */
export interface Contingency {
  n: number;
  /** Number of distinct true classes / predicted clusters. */
  r: number;
  c: number;
  /** Non-zero cells: class index, cluster index, count. */
  cellRow: Int32Array;
  cellCol: Int32Array;
  cellCount: Float64Array;
  rowSums: Float64Array;
  colSums: Float64Array;
}

function checkLabels(x: unknown, name: string, fn: string): ArrayLike<number> {
  const ok = x instanceof Int32Array || (Array.isArray(x) && x.every((v) => Number.isInteger(v)));
  if (!ok) {
    throw new VitValueError(`\`${name}\` of ${fn} must be an Int32Array of labels (or an array of integers). Got ${x === null ? 'null' : Array.isArray(x) ? 'an array with non-integers' : typeof x}.`);
  }
  return x as ArrayLike<number>;
}

/** The contingency table of two labelings (labels are any integers; they are compacted). */
export function contingency(truth: unknown, pred: unknown, fn: string): Contingency {
  const t = checkLabels(truth, 'truth', fn);
  const p = checkLabels(pred, 'pred', fn);
  if (t.length !== p.length) {
    throw new VitValueError(`\`pred\` of ${fn} must have the same length as \`truth\`: truth has ${t.length}, pred has ${p.length}.`, {
      code: 'VIT_LENGTH_MISMATCH',
    });
  }
  if (t.length === 0) throw new VitValueError(`\`truth\` of ${fn} must not be empty.`);
  const n = t.length;
  const ti = new Map<number, number>();
  const pi = new Map<number, number>();
  const tIdx = new Int32Array(n);
  const pIdx = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let a = ti.get(t[i]);
    if (a === undefined) ti.set(t[i], (a = ti.size));
    let b = pi.get(p[i]);
    if (b === undefined) pi.set(p[i], (b = pi.size));
    tIdx[i] = a;
    pIdx[i] = b;
  }
  const r = ti.size;
  const c = pi.size;
  const cells = new Map<number, number>();
  const rowSums = new Float64Array(r);
  const colSums = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    const key = tIdx[i] * c + pIdx[i];
    cells.set(key, (cells.get(key) ?? 0) + 1);
    rowSums[tIdx[i]]++;
    colSums[pIdx[i]]++;
  }
  const cellRow = new Int32Array(cells.size);
  const cellCol = new Int32Array(cells.size);
  const cellCount = new Float64Array(cells.size);
  let q = 0;
  for (const [key, count] of cells) {
    cellRow[q] = Math.floor(key / c);
    cellCol[q] = key % c;
    cellCount[q++] = count;
  }
  return { n, r, c, cellRow, cellCol, cellCount, rowSums, colSums };
}
