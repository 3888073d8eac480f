import { contingency } from './internal/contingency.js';

/**
 * Clustering purity (SPEC 10): `Σ_clusters max_class count / N`.
 * @param truth ground-truth class of every sample, `[N]`.
 * @param pred cluster of every sample, `[N]` (any integer ids).
 * @returns purity in (0,1]; 1 when every cluster holds one class (e.g. all singletons).
 * @throws VitValueError when the lengths differ (`VIT_LENGTH_MISMATCH`), are zero, or labels are not integers.
 * @example purity(Int32Array.from([0, 0, 1]), Int32Array.from([5, 5, 5])) // 2/3
 */
export function purity(truth: Int32Array | readonly number[], pred: Int32Array | readonly number[]): number {
  const { n, c, cellCol, cellCount } = contingency(truth, pred, 'purity');
  const best = new Float64Array(c);
  for (let q = 0; q < cellCount.length; q++) if (cellCount[q] > best[cellCol[q]]) best[cellCol[q]] = cellCount[q];
  let s = 0;
  for (let j = 0; j < c; j++) s += best[j];
  return s / n;
}
