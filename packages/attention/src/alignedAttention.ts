import { tensor, type Tensor } from '@vit/io';
import type { AttentionCheckOptions, AttentionGrid } from './grid.js';
import { cachedDistanceTable } from './internal/cache.js';
import { spatialKernel } from './internal/kernels.js';
import { finishAligned } from './internal/finish.js';
import { RowStats, attentionView } from './internal/view.js';

/** Options of {@link alignedAttention}. */
export interface AlignedAttentionOptions extends AttentionCheckOptions {
  /**
   * Divide each cell by the fraction of (non-null) queries whose window covers it, which
   * undoes the border fall-off of far offsets (SPEC 2). The result then no longer sums to 1;
   * a cell no query covers stays 0.
   * @default false
   */
  coverage?: boolean;
}

/**
 * Aligned Aggregated Attention Map (SPEC 2) of one layer. Every non-null spatial query at
 * grid cell `(i,j)` adds its renormalised spatial row, reshaped to `gh×gw`, into a
 * `(2gh−1)×(2gw−1)` window at top-left corner `(gh−1−i, gw−1−j)`, so the query lands on the
 * centre cell `(gh−1, gw−1)`; each head's window is divided by its number of non-null
 * (image, query) pairs. Null rows (spatial part summing to 0) are skipped; a head with no
 * non-null row is all zeros. Cell `(gh−1+dy, gw−1+dx)` is attention to the token `dx`
 * columns right and `dy` rows down of the query.
 *
 * @param att Attention probabilities `[B,H,T,T]`, `T = prefix + gh·gw` (prefix may be 0).
 * @param grid The token layout `{ gh, gw, prefix }`.
 * @param options See {@link AlignedAttentionOptions}.
 * @returns `[H,2gh−1,2gw−1]` float32; each head sums to 1 without `coverage`.
 * @throws VitValueError (`VIT_SHAPE`) when `att` does not match the grid; (`VIT_NON_FINITE`)
 *   on NaN/Inf, naming layer and head. Rows not summing to 1 are reported once through
 *   `onWarning`.
 * @example
 * const aaam = alignedAttention(att, { gh: 14, gw: 14, prefix: 1 }); // [12,27,27]
 */
export function alignedAttention(att: Tensor, grid: AttentionGrid, options: AlignedAttentionOptions = {}): Tensor {
  const fn = 'alignedAttention';
  const v = attentionView(att, grid, fn);
  const st = new RowStats(fn, 'att', options);
  const { sums, nonNull, qcount } = spatialKernel(v, cachedDistanceTable(v.gh, v.gw), st);
  st.flush();
  return tensor(finishAligned(sums, nonNull, options.coverage ? qcount : null, v.H, v.gh, v.gw), [v.H, 2 * v.gh - 1, 2 * v.gw - 1]);
}
