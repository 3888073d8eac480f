import { VitValueError } from '@vit/io';

export interface Contingency {
  n: number;
  /** Number of distinct true classes / predicted clusters. */
  r: number;
  c: number;
  /** `[r*c]` counts. */
  table: Float64Array;
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
  // Dense r×c is fine for clustering (≤ a few thousand classes); all-singleton labelings of large n
  // would be n², so use a sparse count there.
  const table = new Float64Array(r * c <= 4e7 ? r * c : 0);
  const rowSums = new Float64Array(r);
  const colSums = new Float64Array(c);
  for (let i = 0; i < n; i++) {
    if (table.length) table[tIdx[i] * c + pIdx[i]]++;
    rowSums[tIdx[i]]++;
    colSums[pIdx[i]]++;
  }
  if (!table.length) throw new VitValueError(`${fn}: ${r} classes × ${c} clusters is too large a contingency table.`);
  return { n, r, c, table, rowSums, colSums };
}
