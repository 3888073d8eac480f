import type { AttentionGrid } from '../grid.js';
import type { ClsAttentionOptions } from '../clsAttention.js';
import { clsKernel } from './kernels.js';
import { checkClsSource } from './options.js';
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
  const source = checkClsSource(options.source ?? 'cls', fn);
  const v = attentionView(att, grid, fn);
  if (source === 'cls') requireCls(grid, fn, "use source 'spatial' or 'spatialPure'");
  const st = new RowStats(fn, 'att', options);
  const map = new Float64Array(v.H * v.N);
  const prefix = new Float64Array(v.H);
  const count = new Float64Array(v.H);
  clsKernel(v, source, map, prefix, count, st);
  st.flush();
  return { v, map, prefix, count };
}
