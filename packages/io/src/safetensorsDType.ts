/** safetensors element types and their mapping to ours. Internal (the type is exported). */
import type { DiskType } from './codec.js';
import type { DType } from './tensor.js';

/** The safetensors dtypes this package reads and writes. `F16` and `BF16` are read as float32. */
export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U64' | 'U32' | 'U16' | 'U8' | 'BOOL';

export const ST_TO_DISK: Record<SafetensorsDType, DiskType> = {
  F64: 'float64',
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U64: 'uint64',
  U32: 'uint32',
  U16: 'uint16',
  U8: 'uint8',
  BOOL: 'bool',
};

export const DTYPE_TO_ST: Record<DType, SafetensorsDType> = {
  float64: 'F64',
  float32: 'F32',
  float16: 'F16',
  int64: 'I64',
  int32: 'I32',
  int16: 'I16',
  int8: 'I8',
  uint64: 'U64',
  uint32: 'U32',
  uint16: 'U16',
  uint8: 'U8',
  bool: 'BOOL',
};

export function isSafetensorsDType(x: unknown): x is SafetensorsDType {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(ST_TO_DISK, x);
}
