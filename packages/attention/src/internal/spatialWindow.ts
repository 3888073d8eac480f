// What the AAAM + distance kernels (TypeScript and WebAssembly) share: their result, the row
// checks and the per-(image, head) epilogue.
import type { AttentionView, RowStats } from './view.js';

/** Everything one pass over the spatial rows of a layer yields (SPEC 2 and 4). */
export interface SpatialPass {
  /** Per head, the sum over images and non-null queries of the aligned rows of `S`, `[H·W]`. */
  sums: Float64Array;
  /** Non-null (image, query) pairs per head `[H]`. */
  nonNull: Float64Array;
  /** Non-null images per head and query position `[H·N]` (for coverage). */
  qcount: Float64Array;
  /** Attention distance per image and head `[B·H]`; NaN where every query is null. */
  dist: Float64Array;
}

/**
 * Checks spatial row `q` of `[b,h]` from its prefix mass `sp` and spatial mass `ss`: a non-finite
 * total fails, the largest deviation from 1 is noted. Returns false for a null row (`ss = 0`).
 */
export function checkSpatialRow(v: AttentionView, st: RowStats, b: number, h: number, q: number, sp: number, ss: number): boolean {
  const tot = sp + ss;
  if (!Number.isFinite(tot)) st.fail(v, b, h, v.P + q);
  const dev = tot > 1 ? tot - 1 : 1 - tot;
  if (dev > st.worst) st.note(dev, b, h, v.P + q);
  return ss !== 0;
}

/** Adds the finished window of `[b,h]` (`cnt` non-null rows) into the head's sums and sets the image's distance. */
export function closeWindow(pass: SpatialPass, win: Float64Array, dtab: Float64Array, b: number, h: number, H: number, cnt: number): void {
  const W = win.length;
  pass.nonNull[h] += cnt;
  let d = 0;
  const sh = h * W;
  for (let x = 0; x < W; x++) {
    const y = win[x];
    pass.sums[sh + x] += y;
    d += y * dtab[x];
  }
  pass.dist[b * H + h] = cnt > 0 ? d / cnt : NaN;
}
