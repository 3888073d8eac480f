import { contingency } from './internal/contingency.js';

/**
 * Adjusted Rand index (Hubert–Arabie, SPEC 10):
 * `(Σ_ij C(n_ij,2) − E) / (½[Σ_i C(a_i,2) + Σ_j C(b_j,2)] − E)` with
 * `E = Σ_i C(a_i,2)·Σ_j C(b_j,2) / C(N,2)`. When the two labelings agree on every pair
 * (including the limits "one group each" and "all singletons each") it is 1.
 * @param truth ground-truth classes `[N]`.
 * @param pred predicted clusters `[N]`.
 * @returns ARI in [−1,1] (0 for chance, 1 for identical partitions).
 * @throws VitValueError when the lengths differ (`VIT_LENGTH_MISMATCH`), are zero, or labels are not integers.
 * @example ari(Int32Array.from([0, 0, 1, 1]), Int32Array.from([0, 0, 1, 2])) // 4/7
 */
export function ari(truth: Int32Array | readonly number[], pred: Int32Array | readonly number[]): number {
  const { n, cellCount, rowSums, colSums } = contingency(truth, pred, 'ari');
  const c2 = (v: number) => (v * (v - 1)) / 2;
  let sumIJ = 0;
  for (const v of cellCount) sumIJ += c2(v);
  let sumA = 0;
  for (const v of rowSums) sumA += c2(v);
  let sumB = 0;
  for (const v of colSums) sumB += c2(v);
  const pairs = c2(n);
  // Pairs split by one labeling but not the other: when there are none, the partitions agree.
  if (sumA === sumIJ && sumB === sumIJ) return 1;
  const expected = (sumA * sumB) / pairs;
  return (sumIJ - expected) / ((sumA + sumB) / 2 - expected);
}
