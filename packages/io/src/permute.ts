import type { Data } from 'ndarray';
import { VitValueError } from './errors.js';
import { ndarray, type Tensor } from './tensor.js';

/**
 * Reorder the axes of a tensor without copying (a strided view): axis `i` of the result is
 * axis `axes[i]` of `t`.
 * @param t Any tensor.
 * @param axes A permutation of `0 .. rank-1`, e.g. `[0, 2, 1, 3]`.
 * @returns A view with `shape[i] = t.shape[axes[i]]`.
 * @throws VitValueError when `axes` is not a permutation of the axes.
 * @example permute(x, [1, 0, 2]) // [T,B,D] → [B,T,D]
 */
export function permute<T extends Data>(t: Tensor<T>, axes: readonly number[]): Tensor<T> {
  const rank = t.shape.length;
  const seen = new Array<boolean>(rank).fill(false);
  const ok =
    Array.isArray(axes) &&
    axes.length === rank &&
    axes.every((a) => Number.isInteger(a) && a >= 0 && a < rank && !seen[a] && (seen[a] = true));
  if (!ok) {
    throw new VitValueError(`\`axes\` of permute must be a permutation of 0..${rank - 1}. Got [${Array.isArray(axes) ? axes.join(',') : String(axes)}].`);
  }
  return ndarray(
    t.data,
    axes.map((a) => t.shape[a]),
    axes.map((a) => t.stride[a]),
    t.offset,
  ) as unknown as Tensor<T>;
}
