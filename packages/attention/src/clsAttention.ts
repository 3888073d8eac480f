import { tensor, type Tensor } from '@vit/io';
import type { AttentionCheckOptions, AttentionGrid } from './grid.js';
import type { ClsSource } from './internal/kernels.js';
import { clsSums } from './internal/clsSums.js';

/** Options of {@link clsAttention}. */
export interface ClsAttentionOptions extends AttentionCheckOptions {
  /**
   * Which rows are averaged (SPEC 1):
   * - `'cls'`: the CLS row `A[b,h,0,P:]` (needs `prefix ≥ 1`);
   * - `'spatial'`: every spatial query row `A[b,h,q,P:]`, as is;
   * - `'spatialPure'`: every non-null row of the renormalised spatial sub-attention `S`
   *   (null rows are skipped). The spatial variants also work without a CLS token.
   * @default 'cls'
   */
  source?: ClsSource;
}

/**
 * Average CLS attention map of one layer (SPEC 1): the mean over the batch of each head's
 * CLS row restricted to the spatial tokens, reshaped to the grid. The mass the CLS row puts
 * on the prefix tokens is not in the map; {@link clsPrefixMass} returns it.
 *
 * @param att Attention probabilities `[B,H,T,T]`, `T = prefix + gh·gw`.
 * @param grid The token layout `{ gh, gw, prefix }`.
 * @param options See {@link ClsAttentionOptions}.
 * @returns `[H,gh,gw]` float32. For `'cls'`/`'spatial'` each map sums to 1 minus the prefix
 *   mass; for `'spatialPure'` it sums to 1 (all-zero for a head whose rows are all null).
 * @throws VitValueError (`VIT_SHAPE`) when `att` is not `[B,H,T,T]` for this grid; (`VIT_NO_CLS`)
 *   when `source` is `'cls'` and `prefix` is 0; (`VIT_NON_FINITE`) on NaN/Inf, naming layer
 *   and head. Rows not summing to 1 are reported once through `onWarning`.
 * @example
 * const maps = clsAttention(att, { gh: 14, gw: 14, prefix: 1 }); // [12,14,14]
 */
export function clsAttention(att: Tensor, grid: AttentionGrid, options: ClsAttentionOptions = {}): Tensor {
  const { v, map, count } = clsSums(att, grid, options, 'clsAttention');
  const out = new Float32Array(v.H * v.N);
  for (let h = 0; h < v.H; h++) {
    const inv = count[h] > 0 ? 1 / count[h] : 0;
    for (let k = 0; k < v.N; k++) out[h * v.N + k] = map[h * v.N + k] * inv;
  }
  return tensor(out, [v.H, v.gh, v.gw]);
}
