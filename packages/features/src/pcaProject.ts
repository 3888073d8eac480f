import { resolveBackend, tensor, VitValueError, type NumericBackend, type Tensor } from '@vit/io';
import { pcaRows, type PCAModel } from './pcaState.js';

/** Options of {@link pcaProject}. */
export interface PcaProjectOptions {
  /** Backend of the product `(X − μ) · componentsᵀ`. @default the default backend of `resolveBackend` (onnxruntime when installed) */
  backend?: NumericBackend;
}

/**
 * Project rows onto fitted principal axes: `(X − mean) · componentsᵀ`.
 * @param X Rows `[N,D]` (or `[…,D]`, leading axes flattened).
 * @param model A fitted model (`pca(…)` or `PCAAccumulator.result()`).
 * @param options The backend.
 * @returns `[N,k]` coordinates.
 * @throws VitValueError when `D` differs from the model's or `X` holds NaN/Infinity.
 * @example const rgb = await pcaProject(patchTokens, acc.result()); // [N,3]
 */
export async function pcaProject(X: Tensor, model: PCAModel, options: PcaProjectOptions = {}): Promise<Tensor> {
  const { d, n, dim } = pcaRows(X, 'X', 'pcaProject');
  const D = model?.mean?.shape?.[0];
  if (dim !== D) {
    throw new VitValueError(`\`X\` of pcaProject has ${dim} columns but the model was fitted on ${D}; project features of the same layer and model.`, { code: 'VIT_SHAPE' });
  }
  const mean = model.mean.data;
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) d[i * dim + j] -= mean[model.mean.offset + j * model.mean.stride[0]];
  const backend = await resolveBackend(options.backend);
  const out = await backend.matmul(tensor(d, [n, dim]), model.components as Tensor, { transB: true });
  return out;
}
