import type { Data } from 'ndarray';
import { permute } from './permute.js';
import type { Tensor } from './tensor.js';

/**
 * Transpose as a view (no copy), as numpy does: without `axes` the axis order is reversed
 * (a matrix `[m,n]` becomes `[n,m]`); with `axes` it is {@link permute}.
 * @param t Any tensor.
 * @param axes Optional permutation of `0 .. rank-1`. @default reversed axes
 * @returns A strided view.
 * @throws VitValueError when `axes` is not a permutation.
 * @example transpose(m) // [m,n] → [n,m]
 */
export function transpose<T extends Data>(t: Tensor<T>, axes?: readonly number[]): Tensor<T> {
  return permute(t, axes ?? t.shape.map((_, i) => t.shape.length - 1 - i));
}
