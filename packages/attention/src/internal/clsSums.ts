import type { AttentionGrid } from '../grid.js';
import type { ClsAttentionOptions } from '../clsAttention.js';
import { clsKernel } from './kernels.js';
import { checkVariant } from './options.js';
import { RowStats, attentionView, requireCls, type AttentionView } from './view.js';

/** The validated per-head sums behind {@link clsAttention} and {@link clsPrefixMass} (one pass). */
export interface ClsSums {
  v: AttentionView;
  /** `[H,N]` summed map rows. */
  map: Float64Array;
  /** `[H]` summed prefix mass. */
  prefix: Float64Array;
  /** `[H]` rows summed. */
  count: Float64Array;
}

export function clsSums(att: unknown, grid: AttentionGrid, options: ClsAttentionOptions, fn: string): ClsSums {
  const variant = checkVariant(options.variant ?? 'cls', fn);
  const v = attentionView(att, grid, fn);
  if (variant === 'cls') requireCls(grid, fn, "use variant 'spatial' or 'spatialPure'");
  const st = new RowStats(fn, 'att', options);
  const map = new Float64Array(v.H * v.N);
  const prefix = new Float64Array(v.H);
  const count = new Float64Array(v.H);
  clsKernel(v, variant, map, prefix, count, st);
  st.flush();
  return { v, map, prefix, count };
}
