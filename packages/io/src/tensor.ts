import ndarray from 'ndarray';
import type { NdArray, Data } from 'ndarray';

/** Element types the toolkit reads and writes. `float16` is read as float32. */
export type DType =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'bool';

export type TypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint8ClampedArray
  | Uint16Array
  | Uint32Array
  | BigInt64Array<ArrayBuffer>
  | BigUint64Array<ArrayBuffer>;

/**
 * The tensor contract: a scijs `ndarray` (data, shape, stride, offset). Float32 unless stated.
 * Hot loops read `t.data` with explicit index arithmetic (use {@link contiguous} first).
 */
export type Tensor<T extends Data = Float32Array> = NdArray<T>;

/** Wrap a typed array as a C-order tensor of the given shape (no copy). */
export function tensor<T extends TypedArray>(data: T, shape: readonly number[]): Tensor<T> {
  return ndarray(data as unknown as Data, shape.slice()) as unknown as Tensor<T>;
}

export { ndarray };
export type { NdArray, Data };
