import { tensor, type Tensor } from '@vit/io';
import type { AttentionCheckOptions, AttentionGrid } from './grid.js';
import { cachedDistanceTable } from './internal/cache.js';
import { spatialKernel } from './internal/kernels.js';
import { RowStats, attentionView } from './internal/view.js';

/** Options of {@link attentionDistance}. */
export type AttentionDistanceOptions = AttentionCheckOptions;

/**
 * Average attention distance (SPEC 4) per image and head. Spatial token `(i,j)` sits at
 * `(j/(g−1), i/(g−1))` with `g = max(gh,gw)` (the grid embedded in the unit square); the
 * value is the mean over non-null spatial queries `q` of `Σ_k S[q,k]·d(q,k)`, with `S` the
 * renormalised spatial sub-attention. Since `d(q,k)` depends only on the offset `k − q`, it
 * is computed as each image's aligned window (as in {@link alignedAttention}) dotted with a
 * precomputed table of the `(2gh−1)×(2gw−1)` offset distances: one pass over the attention.
 *
 * @param att Attention probabilities `[B,H,T,T]`, `T = prefix + gh·gw` (prefix may be 0).
 * @param grid The token layout `{ gh, gw, prefix }`.
 * @param options See {@link AttentionCheckOptions}.
 * @returns `[B,H]` float32 in unit-square units; NaN where every query row is null.
 * @throws VitValueError (`VIT_SHAPE`) when `att` does not match the grid; (`VIT_NON_FINITE`)
 *   on NaN/Inf, naming layer and head.
 * @example
 * const d = attentionDistance(att, { gh: 14, gw: 14, prefix: 1 }); // [8,12]
 */
export function attentionDistance(att: Tensor, grid: AttentionGrid, options: AttentionDistanceOptions = {}): Tensor {
  const fn = 'attentionDistance';
  const v = attentionView(att, grid, fn);
  const st = new RowStats(fn, 'att', options);
  const { dist } = spatialKernel(v, cachedDistanceTable(v.gh, v.gw), st);
  st.flush();
  return tensor(Float32Array.from(dist), [v.B, v.H]);
}
