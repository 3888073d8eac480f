import type { Data } from 'ndarray';
import type { Tensor } from './tensor.js';

/**
 * Whether the tensor's strides are row-major (C order): the last axis has stride 1 and each
 * axis steps over the whole of the axes after it. Axes of size 1 are ignored and empty tensors
 * count as contiguous. The `offset` may be non-zero (see {@link contiguous} for a zero-offset copy).
 * @param t Any tensor.
 * @returns true when the elements lie in C order at `data[offset .. offset + size)`.
 * @example isContiguous(zeros([2, 3])) // true
 * @example isContiguous(transpose(zeros([2, 3]))) // false
 */
export function isContiguous(t: Tensor<Data>): boolean {
  const { shape, stride } = t;
  let expect = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 0) return true;
    if (shape[i] === 1) continue;
    if (stride[i] !== expect) return false;
    expect *= shape[i];
  }
  return true;
}
