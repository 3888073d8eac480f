import { VitValueError } from './errors.js';
import type { DType } from './tensor.js';

/** The typed array that holds each {@link DType} in memory (`float16` is widened to float32, `bool` is 0/1 bytes). */
export interface DTypeArrayMap {
  float32: Float32Array<ArrayBuffer>;
  float64: Float64Array<ArrayBuffer>;
  float16: Float32Array<ArrayBuffer>;
  int8: Int8Array<ArrayBuffer>;
  int16: Int16Array<ArrayBuffer>;
  int32: Int32Array<ArrayBuffer>;
  uint8: Uint8Array<ArrayBuffer>;
  uint16: Uint16Array<ArrayBuffer>;
  uint32: Uint32Array<ArrayBuffer>;
  int64: BigInt64Array<ArrayBuffer>;
  uint64: BigUint64Array<ArrayBuffer>;
  bool: Uint8Array<ArrayBuffer>;
}

/** The in-memory typed array type of a dtype, e.g. `ArrayOf<'int64'>` = `BigInt64Array`. */
export type ArrayOf<D extends DType> = DTypeArrayMap[D];

type Ctor = new (n: number) => DTypeArrayMap[DType];

/** In-memory constructor and on-disk item size of every dtype. Internal. */
export const DTYPE_INFO: Record<DType, { ctor: Ctor; itemSize: number; bigint: boolean; float: boolean }> = {
  float32: { ctor: Float32Array, itemSize: 4, bigint: false, float: true },
  float64: { ctor: Float64Array, itemSize: 8, bigint: false, float: true },
  float16: { ctor: Float32Array, itemSize: 2, bigint: false, float: true },
  int8: { ctor: Int8Array, itemSize: 1, bigint: false, float: false },
  int16: { ctor: Int16Array, itemSize: 2, bigint: false, float: false },
  int32: { ctor: Int32Array, itemSize: 4, bigint: false, float: false },
  uint8: { ctor: Uint8Array, itemSize: 1, bigint: false, float: false },
  uint16: { ctor: Uint16Array, itemSize: 2, bigint: false, float: false },
  uint32: { ctor: Uint32Array, itemSize: 4, bigint: false, float: false },
  int64: { ctor: BigInt64Array, itemSize: 8, bigint: true, float: false },
  uint64: { ctor: BigUint64Array, itemSize: 8, bigint: true, float: false },
  bool: { ctor: Uint8Array, itemSize: 1, bigint: false, float: false },
};

/** Every supported dtype name, in a stable order. */
export const DTYPES = Object.keys(DTYPE_INFO) as DType[];

/** True when `x` names a supported {@link DType}. */
export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_INFO, x);
}

/**
 * A zero-filled typed array able to hold `n` elements of `dtype` in memory.
 * `float16` gives a `Float32Array` (values are widened on read), `bool` a `Uint8Array` of 0/1,
 * `int64`/`uint64` a `BigInt64Array`/`BigUint64Array`.
 * @param dtype The element type.
 * @param n Number of elements (a non-negative integer).
 * @returns A new typed array of length `n`.
 * @throws VitValueError for an unknown dtype or a bad length.
 * @example typedArrayFor('int64', 3) // BigInt64Array [0n, 0n, 0n]
 */
export function typedArrayFor<D extends DType>(dtype: D, n: number): ArrayOf<D> {
  if (!isDType(dtype)) {
    throw new VitValueError(`\`dtype\` of typedArrayFor must be one of ${DTYPES.join(', ')}. Got ${String(dtype)}.`);
  }
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new VitValueError(`\`n\` of typedArrayFor must be a non-negative integer. Got ${n}.`);
  }
  return new DTYPE_INFO[dtype].ctor(n) as ArrayOf<D>;
}
