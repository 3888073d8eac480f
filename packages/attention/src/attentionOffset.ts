import type { Tensor } from '@vit/io';
import { aaamView, centreOfMass } from './internal/aaamInput.js';

/** The attention offset of one head (SPEC 3). */
export interface HeadOffset {
  /** Centre of mass, in tokens, to the right of the query (negative: left). */
  dx: number;
  /** Centre of mass, in tokens, below the query (negative: above). */
  dy: number;
  /** `‖(dx, dy)‖` in tokens. */
  offset: number;
  /** `offset / (g − 1)` with `g = max(gh, gw)`, as the reference code reports it (0 for a 1×1 grid). */
  offsetNormalized: number;
}

/**
 * Attention offset per head (SPEC 3): the centre of mass of the AAAM relative to its centre
 * cell, in token units. The window is normalised by its own total, so AAAMs made with
 * `coverage: true` are accepted too. A head whose AAAM is all zeros gets offset 0.
 *
 * @param aaam `[H,2gh−1,2gw−1]`, as returned by {@link alignedAttention}.
 * @returns One {@link HeadOffset} per head, in head order.
 * @throws VitValueError when the shape is not `[H, odd, odd]` or a value is not finite.
 * @example
 * attentionOffset(alignedAttention(att, grid)) // [{ dx: 1, dy: 0, offset: 1, offsetNormalized: 0.077 }, …]
 */
export function attentionOffset(aaam: Tensor): HeadOffset[] {
  const v = aaamView(aaam, 1, 'attentionOffset', 'aaam', '[H,2gh−1,2gw−1]');
  const scale = Math.max(v.gh, v.gw) - 1;
  const out: HeadOffset[] = [];
  for (let h = 0; h < v.lead[0]; h++) {
    const { dx, dy } = centreOfMass(v.data, h * v.W, v);
    const offset = Math.hypot(dx, dy);
    out.push({ dx, dy, offset, offsetNormalized: scale > 0 ? offset / scale : 0 });
  }
  return out;
}
