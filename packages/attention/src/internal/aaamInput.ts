import { VitValueError, shapeText, type Tensor } from '@vit/io';

/** A validated float64 copy of an AAAM tensor `[K,2gh−1,2gw−1]` (K = H, or L·H flattened). */
export interface AaamView {
  data: Float64Array;
  gh: number;
  gw: number;
  Wh: number;
  Ww: number;
  W: number;
}

/** The centre of mass of one window, in tokens from the centre, and its total mass. */
export function centreOfMass(a: ArrayLike<number>, off: number, v: AaamView): { dx: number; dy: number; total: number } {
  let total = 0;
  let sx = 0;
  let sy = 0;
  for (let u = 0; u < v.Wh; u++) {
    const dy = u - v.gh + 1;
    for (let c = 0; c < v.Ww; c++) {
      const x = a[off + u * v.Ww + c];
      total += x;
      sx += x * (c - v.gw + 1);
      sy += x * dy;
    }
  }
  return total > 0 ? { dx: sx / total, dy: sy / total, total } : { dx: 0, dy: 0, total };
}

/**
 * Validates an AAAM of rank `lead + 2` with odd trailing sizes (`2gh−1`, `2gw−1`) and finite
 * values; copies it into float64 in C order.
 */
export function aaamView(x: unknown, lead: number, fn: string, name: string, shapeDesc: string): AaamView & { lead: number[] } {
  const t = x as Tensor;
  if (!t || typeof t !== 'object' || !Array.isArray(t.shape) || !ArrayBuffer.isView(t.data)) {
    throw new VitValueError(`\`${name}\` of ${fn} must be an ndarray tensor ${shapeDesc}. Got ${t === null ? 'null' : typeof t}.`);
  }
  const s = t.shape;
  const r = lead + 2;
  if (s.length !== r || s[r - 2] % 2 !== 1 || s[r - 1] % 2 !== 1) {
    throw new VitValueError(`\`${name}\` of ${fn} must have shape ${shapeDesc} (odd window sizes). Got ${shapeText(s)}.`, { code: 'VIT_SHAPE' });
  }
  const Wh = s[r - 2];
  const Ww = s[r - 1];
  let K = 1;
  for (let i = 0; i < lead; i++) K *= s[i];
  const data = new Float64Array(K * Wh * Ww);
  const src = t.data as unknown as ArrayLike<number>;
  // Walk all leading indices with stride arithmetic (handles views).
  const idx = new Array<number>(lead).fill(0);
  for (let k = 0; k < K; k++) {
    let base = t.offset;
    for (let i = 0; i < lead; i++) base += idx[i] * t.stride[i];
    for (let u = 0; u < Wh; u++)
      for (let c = 0; c < Ww; c++) {
        const val = Number(src[base + u * t.stride[r - 2] + c * t.stride[r - 1]]);
        if (!Number.isFinite(val)) {
          throw new VitValueError(`\`${name}\` of ${fn} contains ${val} at [${[...idx, u, c].join(',')}]. Remove or repair non-finite values first.`, {
            code: 'VIT_NON_FINITE',
          });
        }
        data[(k * Wh + u) * Ww + c] = val;
      }
    for (let i = lead - 1; i >= 0; i--) {
      if (++idx[i] < s[i]) break;
      idx[i] = 0;
    }
  }
  return { data, gh: (Wh + 1) / 2, gw: (Ww + 1) / 2, Wh, Ww, W: Wh * Ww, lead: s.slice(0, lead) };
}
