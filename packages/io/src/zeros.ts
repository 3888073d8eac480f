import { typedArrayFor, type ArrayOf } from './dtype.js';
import { checkShape } from './shape.js';
import { tensor, type DType, type Tensor } from './tensor.js';

/**
 * A zero-filled C-order tensor.
 * @param shape Sizes, e.g. `[B,T,D]`.
 * @param dtype Element type. @default 'float32'
 * @returns A new tensor whose `data` holds exactly `product(shape)` elements.
 * @throws VitValueError for a negative or non-integer size, or an unknown dtype.
 * @example zeros([2, 3]) // Float32Array of 6 zeros, shape [2,3]
 * @example zeros([4], 'int64') // BigInt64Array
 */
export function zeros<D extends DType = 'float32'>(shape: readonly number[], dtype: D = 'float32' as D): Tensor<ArrayOf<D>> {
  const n = checkShape(shape, 'shape', 'zeros');
  return tensor(typedArrayFor(dtype, n), shape) as Tensor<ArrayOf<D>>;
}
