import { contiguous } from './contiguous.js';
import { VitValueError } from './errors.js';
import { isContiguous } from './isContiguous.js';
import { cStrides } from './shape.js';
import { ndarray, type Tensor, type TypedArray } from './tensor.js';

/**
 * Give a tensor a new shape with the same elements in C order. A view of the same data when
 * `t` is C-contiguous, otherwise a reshaped contiguous copy. One size may be `-1`: it is
 * inferred from the others.
 * @param t Any tensor over a typed array.
 * @param shape The new sizes, e.g. `[B*H, T, T]`, or with one `-1`.
 * @returns A tensor of the new shape.
 * @throws VitValueError when the element counts differ or the shape is malformed.
 * @example reshape(att, [-1, T, T]) // [B,H,T,T] → [B·H,T,T]
 */
export function reshape<T extends TypedArray>(t: Tensor<T>, shape: readonly number[]): Tensor<T> {
  let size = 1;
  for (const s of t.shape) size *= s;
  const out = shape.slice();
  let infer = -1;
  let known = 1;
  for (let i = 0; i < out.length; i++) {
    const s = out[i];
    if (s === -1 && infer < 0) infer = i;
    else if (!Number.isSafeInteger(s) || s < 0) {
      throw new VitValueError(`\`shape\` of reshape must hold non-negative integers and at most one -1. Got [${shape.join(',')}].`);
    } else known *= s;
  }
  if (infer >= 0) {
    if (known === 0 || size % known !== 0) {
      throw new VitValueError(`\`shape\` of reshape: cannot infer -1 in [${shape.join(',')}] for ${size} elements (shape [${t.shape.join(',')}]).`);
    }
    out[infer] = size / known;
    known = size;
  }
  if (known !== size) {
    throw new VitValueError(
      `\`shape\` of reshape must keep the element count ${size} of [${t.shape.join(',')}]. Got [${shape.join(',')}] (${known} elements).`,
    );
  }
  const src = isContiguous(t) ? t : contiguous(t);
  return ndarray(src.data, out, cStrides(out), src.offset) as unknown as Tensor<T>;
}
