import type { Data } from 'ndarray';
import { VitValueError } from './errors.js';
import { ndarray, type Tensor } from './tensor.js';

/**
 * How one axis is sliced: `null`/`undefined` keeps it whole; a number picks that index and
 * drops the axis; `[from, to, step]` keeps the half-open range `[from, to)` every `step`
 * elements (`to` defaults to the axis size, `step` to 1 and must be positive). Negative
 * indices count from the end, as in numpy; range ends are clamped to the axis like Python slices.
 */
export type SliceRange = null | undefined | number | readonly [from: number, to?: number, step?: number];

/**
 * A strided view of part of a tensor (no copy). Ranges are half-open `[from, to)`.
 * Missing trailing entries keep those axes whole.
 * @param t Any tensor.
 * @param ranges One {@link SliceRange} per leading axis.
 * @returns A view sharing `t.data`.
 * @throws VitValueError for more ranges than axes, a picked index outside the axis, or a non-positive step.
 * @example slice(tokens, [null, [1]]) // [B,T,D] → [B,T-1,D]: drop the CLS token
 * @example slice(att, [0, null, 0, [1]]) // [B,H,T,T] → [H,T-1]: CLS row of image 0
 */
export function slice<T extends Data>(t: Tensor<T>, ranges: readonly SliceRange[]): Tensor<T> {
  const rank = t.shape.length;
  if (!Array.isArray(ranges) || ranges.length > rank) {
    throw new VitValueError(`\`ranges\` of slice must be an array of at most ${rank} ranges. Got ${Array.isArray(ranges) ? ranges.length : typeof ranges}.`);
  }
  const shape: number[] = [];
  const stride: number[] = [];
  let offset = t.offset;
  for (let a = 0; a < rank; a++) {
    const n = t.shape[a];
    const st = t.stride[a];
    const r = ranges[a];
    if (r === null || r === undefined) {
      shape.push(n);
      stride.push(st);
    } else if (typeof r === 'number') {
      const i = r < 0 ? n + r : r;
      if (!Number.isInteger(r) || i < 0 || i >= n) {
        throw new VitValueError(`\`ranges[${a}]\` of slice must be an index in [${-n}, ${n}). Got ${r}.`);
      }
      offset += i * st;
    } else if (Array.isArray(r)) {
      const step = r[2] ?? 1;
      if (!Number.isInteger(step) || step < 1) {
        throw new VitValueError(`\`ranges[${a}]\` of slice must have a positive integer step. Got ${step}.`);
      }
      const from = clamp(r[0] ?? 0, n, a);
      const to = clamp(r[1] ?? n, n, a);
      const len = to > from ? Math.ceil((to - from) / step) : 0;
      if (len > 0) offset += from * st;
      shape.push(len);
      stride.push(st * step);
    } else {
      throw new VitValueError(`\`ranges[${a}]\` of slice must be null, an index or [from, to, step]. Got ${typeof r}.`);
    }
  }
  return ndarray(t.data, shape, stride, offset) as unknown as Tensor<T>;
}

function clamp(v: number, n: number, axis: number): number {
  if (!Number.isInteger(v)) throw new VitValueError(`\`ranges[${axis}]\` of slice must hold integers. Got ${v}.`);
  const i = v < 0 ? n + v : v;
  return Math.min(Math.max(i, 0), n);
}
