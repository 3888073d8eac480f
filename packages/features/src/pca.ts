import { resolveBackend, tensor, type NumericBackend, type Tensor } from '@vit/io';
import { pcaCentre, pcaCheckK, pcaRows, pcaScatterBackend, pcaSolve, type PCAModel } from './pcaState.js';

/** Options of {@link pca}. */
export interface PcaOptions {
  /** Number of principal components kept. @default 3 */
  k?: number;
  /** Backend of the covariance product `Xcᵀ Xc` and the projection. @default the default backend of `resolveBackend` (onnxruntime when installed) */
  backend?: NumericBackend;
}

/** Result of {@link pca}: the fitted model plus the projected rows. */
export interface PcaResult extends PCAModel {
  /** The input rows projected on the axes, `[N,k]`. */
  projected: Tensor;
}

/**
 * Principal component analysis of one set of rows (e.g. the patch tokens of a layer, for the
 * PCA-RGB figure of DINO-style feature papers). The covariance `Xcᵀ Xc / (N − 1)` of the
 * column-centred rows is computed by the numeric backend; its top `k` eigenvectors come from
 * Lanczos iterations checked by their residuals (ml-matrix's dense decomposition when a check fails);
 * axes come by decreasing variance, each signed so that its largest-magnitude entry is
 * positive (axes are defined up to sign). For data too large for one call, use
 * {@link PCAAccumulator}.
 * @param X Rows `[N,D]` (or `[…,D]`: leading axes flattened), `N ≥ 2`.
 * @param options `k` (default 3) and the backend.
 * @returns `components [k,D]`, `explainedVariance [k]`, `explainedVarianceRatio [k]`, `mean [D]`, `projected [N,k]`.
 * @throws VitValueError for a non-tensor, fewer than 2 rows, `k > D`, or NaN/Infinity in `X`.
 * @example const { projected } = await pca(tokens, { k: 3 }); // [N,3] → RGB after min–max scaling
 */
export async function pca(X: Tensor, options: PcaOptions = {}): Promise<PcaResult> {
  const k = pcaCheckK(options.k ?? 3, 'pca');
  const backend = await resolveBackend(options.backend);
  const { d, n, dim } = pcaRows(X, 'X', 'pca');
  const mean = pcaCentre(d, n, dim);
  const scatter = await pcaScatterBackend(d, n, dim, backend);
  const model = pcaSolve({ n, dim, mean, scatter }, k, 'pca');
  const projected = await backend.matmul(tensor(d, [n, dim]), model.components as Tensor, { transB: true });
  return { ...model, projected };
}
