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
  // Copy the last two axes as a matrix in 32×32 tiles (cache-friendly for transposed
  // layouts), once per index of the leading axes.
  const rows = rank >= 2 ? shape[rank - 2] : 1;
  const cols = shape[rank - 1];
  const rs = rank >= 2 ? t.stride[rank - 2] : 0;
  const cs = t.stride[rank - 1];
  const lead = rank - 2;
  const idx = new Array<number>(Math.max(lead, 0)).fill(0);
  const TILE = 32;
  let base = t.offset;
  for (let o = 0; o < size; o += rows * cols) {
    for (let i0 = 0; i0 < rows; i0 += TILE) {
      const i1 = Math.min(i0 + TILE, rows);
      for (let j0 = 0; j0 < cols; j0 += TILE) {
        const j1 = Math.min(j0 + TILE, cols);
        for (let i = i0; i < i1; i++) {
          let p = base + i * rs + j0 * cs;
          let q = o + i * cols + j0;
          for (let j = j0; j < j1; j++, p += cs) dst[q++] = src[p];
        }
      }
    }
    // Advance the multi-index of the leading axes.
    for (let a = lead - 1; a >= 0; a--) {
      idx[a]++;
      base += t.stride[a];
      if (idx[a] < shape[a]) break;
      base -= t.stride[a] * shape[a];
      idx[a] = 0;
    }
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
