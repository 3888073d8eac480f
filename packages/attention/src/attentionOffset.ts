import { tensor, type Tensor } from '@vit/io';
import { aaamView, centreOfMass } from './internal/aaamInput.js';

/** The attention offsets of every head (SPEC 3): tensors with the head axis last, `[H]` or `[L,H]`. */
export interface AttentionOffsetResult {
  /** Centre of mass, in tokens, to the right of the query (negative: left). */
  dx: Tensor;
  /** Centre of mass, in tokens, below the query (negative: above). */
  dy: Tensor;
  /** `‖(dx, dy)‖` in tokens. */
  offset: Tensor;
  /** `offset / (g − 1)` with `g = max(gh, gw)`, as the reference code reports it (0 for a 1×1 grid). */
  offsetNormalized: Tensor;
}

/**
 * Attention offset per head (SPEC 3): the centre of mass of the AAAM relative to its centre
 * cell, in token units. The window is normalised by its own total, so AAAMs made with
 * `coverage: true` are accepted too. A head whose AAAM is all zeros gets offset 0.
 *
 * @param aaam `[H,2gh−1,2gw−1]` (as returned by {@link alignedAttention}) or `[L,H,2gh−1,2gw−1]`
 *   (the AAAM accumulator's result).
 * @returns `{ dx, dy, offset, offsetNormalized }`, each float32 `[H]` (or `[L,H]`), head `h` at index `h`.
 * @throws VitValueError when the shape is not `[H, odd, odd]` / `[L,H, odd, odd]` or a value is not finite.
 * @example
 * const { offset } = attentionOffset(alignedAttention(att, grid)); // offset: [H] tensor, e.g. [1, 0, 0.4, …]
 */
export function attentionOffset(aaam: Tensor): AttentionOffsetResult {
  const lead = aaam?.shape?.length === 4 ? 2 : 1;
  const v = aaamView(aaam, lead, 'attentionOffset', 'aaam', lead === 2 ? '[L,H,2gh−1,2gw−1]' : '[H,2gh−1,2gw−1]');
  const shape = v.lead.slice(0, lead);
  const K = shape.reduce((a, b) => a * b, 1);
  const scale = Math.max(v.gh, v.gw) - 1;
  const dx = new Float32Array(K);
  const dy = new Float32Array(K);
  const offset = new Float32Array(K);
  const norm = new Float32Array(K);
  for (let k = 0; k < K; k++) {
    const c = centreOfMass(v.data, k * v.W, v);
    const o = Math.hypot(c.dx, c.dy);
    dx[k] = c.dx;
    dy[k] = c.dy;
    offset[k] = o;
    norm[k] = scale > 0 ? o / scale : 0;
  }
  return { dx: tensor(dx, shape), dy: tensor(dy, shape), offset: tensor(offset, shape), offsetNormalized: tensor(norm, shape) };
}
