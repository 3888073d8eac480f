import { VitValueError } from './errors.js';
import { checkShape } from './shape.js';
import { tensor, type Tensor, type TypedArray } from './tensor.js';

/**
 * Wrap a typed array as a C-order tensor without copying, checking that the sizes agree
 * (unlike {@link tensor}, which trusts its caller).
 * @param data The elements in C order.
 * @param shape Sizes; their product must equal `data.length`.
 * @returns A view of `data` with that shape.
 * @throws VitValueError when `data` is not a typed array or its length differs from `product(shape)`.
 * @example fromTypedArray(new Float32Array(6), [2, 3])
 */
export function fromTypedArray<T extends TypedArray>(data: T, shape: readonly number[]): Tensor<T> {
  if (!ArrayBuffer.isView(data) || data instanceof DataView) {
    throw new VitValueError(`\`data\` of fromTypedArray must be a typed array. Got ${data === null ? 'null' : typeof data}.`);
  }
  const n = checkShape(shape, 'shape', 'fromTypedArray');
  if (n !== data.length) {
    throw new VitValueError(
      `\`data\` of fromTypedArray must hold product(shape) = ${n} elements for shape [${shape.join(',')}]. Got ${data.length}.`,
    );
  }
  return tensor(data, shape);
}
