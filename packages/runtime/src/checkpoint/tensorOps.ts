/** Small reshaping helpers for checkpoint tensors (C-order copies). Internal. */
import { tensor, type Tensor, type TypedArray } from '@vit/io';
import type { CheckpointTensor } from '../builder/types.js';

/** The elements of a tensor in C order (a view when already dense). */
export function dense(t: Tensor<TypedArray>): TypedArray {
  const n = t.shape.reduce((a, b) => a * b, 1);
  let want = 1;
  let c = true;
  for (let d = t.shape.length - 1; d >= 0; d--) {
    if (t.shape[d] !== 1 && t.stride[d] !== want) c = false;
    want *= t.shape[d];
  }
  if (c) return t.data.subarray(t.offset, t.offset + n) as TypedArray;
  const out = new (t.data.constructor as new (n: number) => TypedArray)(n) as unknown as (number | bigint)[];
  const src = t.data as unknown as (number | bigint)[];
  const rank = t.shape.length;
  const idx = new Array<number>(rank).fill(0);
  let at = t.offset;
  for (let k = 0; k < n; k++) {
    out[k] = src[at];
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      at += t.stride[d];
      if (idx[d] < t.shape[d]) break;
      at -= t.stride[d] * t.shape[d];
      idx[d] = 0;
    }
  }
  return out as unknown as TypedArray;
}

/** The same elements under a new shape. */
export function reshaped(e: CheckpointTensor, shape: number[]): CheckpointTensor {
  return { tensor: tensor(dense(e.tensor), shape), dtype: e.dtype };
}

/** A 2-D tensor transposed. */
export function transposed(e: CheckpointTensor): CheckpointTensor {
  const [r, c] = e.tensor.shape;
  const src = dense(e.tensor) as unknown as (number | bigint)[];
  const out = new (src.constructor as new (n: number) => (number | bigint)[])(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = src[i * c + j];
  return { tensor: tensor(out as unknown as TypedArray, [c, r]), dtype: e.dtype };
}

/** Tensors stacked along their first axis (all of the same trailing shape). */
export function concatRows(parts: CheckpointTensor[]): CheckpointTensor {
  const datas = parts.map((p) => dense(p.tensor));
  const n = datas.reduce((a, d) => a + d.length, 0);
  const sameType = datas.every((d) => d.constructor === datas[0].constructor);
  const out = sameType ? new (datas[0].constructor as new (n: number) => TypedArray)(n) : new Float32Array(n);
  let at = 0;
  for (const d of datas) {
    (out as unknown as { set(a: ArrayLike<unknown>, o: number): void }).set(sameType ? d : Float32Array.from(d as ArrayLike<number>), at);
    at += d.length;
  }
  const rows = parts.reduce((a, p) => a + p.tensor.shape[0], 0);
  const dtypes = new Set(parts.map((p) => p.dtype));
  return { tensor: tensor(out, [rows, ...parts[0].tensor.shape.slice(1)]), dtype: dtypes.size === 1 && sameType ? parts[0].dtype : 'F32' };
}

/** `a + b` elementwise (float), as float32. */
export function added(a: CheckpointTensor, b: Tensor<TypedArray>): CheckpointTensor {
  const x = dense(a.tensor) as unknown as ArrayLike<number>;
  const y = dense(b) as unknown as ArrayLike<number>;
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Number(x[i]) + Number(y[i]);
  return { tensor: tensor(out, a.tensor.shape), dtype: 'F32' };
}

/** Rows `[from, to)` along axis 1 of a `[1,N,D]` tensor. */
export function sliceTokens(e: CheckpointTensor, from: number, to: number): CheckpointTensor {
  const [one, , d] = e.tensor.shape;
  const src = dense(e.tensor);
  return { tensor: tensor(src.slice(from * d, to * d) as TypedArray, [one, to - from, d]), dtype: e.dtype };
}
