import { contingency } from './internal/contingency.js';

/**
 * Normalised mutual information (SPEC 10): `MI(U,V) / ((H(U) + H(V)) / 2)` with natural logs
 * (arithmetic normalisation, as scikit-learn's default). Limits as scikit-learn defines them:
 * both labelings a single group → 1; otherwise MI = 0 → 0.
 * @param truth ground-truth classes `[N]`.
 * @param pred predicted clusters `[N]`.
 * @returns NMI in [0,1].
 * @throws VitValueError when the lengths differ (`VIT_LENGTH_MISMATCH`), are zero, or labels are not integers.
 * @example nmi(Int32Array.from([0, 0, 1, 1]), Int32Array.from([1, 1, 0, 0])) // 1
 */
export function nmi(truth: Int32Array | readonly number[], pred: Int32Array | readonly number[]): number {
  const { n, r, c, cellRow, cellCol, cellCount, rowSums, colSums } = contingency(truth, pred, 'nmi');
  if (r === 1 && c === 1) return 1;
  let mi = 0;
  for (let q = 0; q < cellCount.length; q++) {
    const nij = cellCount[q];
    mi += (nij / n) * Math.log((n * nij) / (rowSums[cellRow[q]] * colSums[cellCol[q]]));
  }
  if (mi <= 0) return 0;
  const h = (s: Float64Array) => {
    let e = 0;
    for (const v of s) if (v > 0) e -= (v / n) * Math.log(v / n);
    return e;
  };
  return mi / ((h(rowSums) + h(colSums)) / 2);
}
