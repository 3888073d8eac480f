import { VitValueError } from './errors.js';
import { isContiguous } from './isContiguous.js';
import { tensor, type Tensor, type TypedArray } from './tensor.js';

/**
 * A C-order tensor whose `data` holds exactly its elements (`offset` 0, length = size), so
 * loops may read `t.data[i]` directly. Returns `t` itself when it already is one, a
 * `subarray` view when it is C-contiguous at an offset, and otherwise a copy into a new
 * typed array of the same type (one pass, no `get`/`set`).
 * @param t Any tensor over a typed array.
 * @returns `t`, a view of it, or a copy.
 * @throws VitValueError when `t.data` is not a typed array.
 * @example const c = contiguous(transpose(x)); for (let i = 0; i < c.size; i++) c.data[i];
 */
export function contiguous<T extends TypedArray>(t: Tensor<T>): Tensor<T> {
  const data = t.data;
  if (!ArrayBuffer.isView(data)) {
    throw new VitValueError(`\`t\` of contiguous must be a tensor over a typed array. Got ${typeof data}.`);
  }
  const shape = t.shape;
  let size = 1;
  for (const s of shape) size *= s;
  if (isContiguous(t)) {
    if (t.offset === 0 && data.length === size && shape.length === t.stride.length && sameCStrides(t)) return t;
    return tensor(data.subarray(t.offset, t.offset + size) as T, shape);
  }
  const out = new (data.constructor as new (n: number) => T)(size);
  const src = data as unknown as { [i: number]: number };
  const dst = out as unknown as { [i: number]: number };
  const rank = shape.length;
  const last = shape[rank - 1];
  const lastStride = t.stride[rank - 1];
  const idx = new Array<number>(rank).fill(0);
  let base = t.offset;
  let o = 0;
  // Walk every row of the last axis; `idx` is the multi-index of the row start.
  while (o < size) {
    for (let j = 0, p = base; j < last; j++, p += lastStride) dst[o++] = src[p];
    let a = rank - 2;
    for (; a >= 0; a--) {
      idx[a]++;
      base += t.stride[a];
      if (idx[a] < shape[a]) break;
      base -= t.stride[a] * shape[a];
      idx[a] = 0;
    }
    if (a < 0) break;
  }
  return tensor(out, shape);
}

function sameCStrides(t: Tensor<TypedArray>): boolean {
  let s = 1;
  for (let i = t.shape.length - 1; i >= 0; i--) {
    if (t.shape[i] !== 1 && t.stride[i] !== s) return false;
    s *= t.shape[i];
  }
  return true;
}
