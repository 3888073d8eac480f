import { tensor, type Tensor } from '@vit/io';
import type { AttentionGrid } from './grid.js';
import type { ClsAttentionOptions } from './clsAttention.js';
import { clsSums } from './internal/clsSums.js';

/** Options of {@link clsPrefixMass}: the same as {@link clsAttention}'s. */
export type ClsPrefixMassOptions = ClsAttentionOptions;

/**
 * The mass kept off the CLS map (SPEC 1 "also kept"): per head, the mean over the batch of
 * `Σ_{k<P} A[b,h,0,k]`, the share the CLS row gives to the prefix tokens (itself and any
 * registers). With `source: 'spatial'` it is the same share for the spatial query rows;
 * with `'spatialPure'`, for the non-null spatial rows.
 *
 * @param att Attention probabilities `[B,H,T,T]`.
 * @param grid The token layout `{ gh, gw, prefix }`.
 * @param options See {@link ClsAttentionOptions}.
 * @returns `[H]` float32; `clsAttention` map sum + prefix mass = 1 for row-stochastic input.
 * @throws VitValueError as {@link clsAttention}.
 * @example
 * const kept = clsPrefixMass(att, { gh: 14, gw: 14, prefix: 5 }); // CLS + 4 registers
 */
export function clsPrefixMass(att: Tensor, grid: AttentionGrid, options: ClsPrefixMassOptions = {}): Tensor {
  const { v, prefix, count } = clsSums(att, grid, options, 'clsPrefixMass');
  const out = new Float32Array(v.H);
  for (let h = 0; h < v.H; h++) out[h] = count[h] > 0 ? prefix[h] / count[h] : 0;
  return tensor(out, [v.H]);
}
