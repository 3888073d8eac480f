import { VitValueError, type Tensor, type TypedArray } from '@vit/io';
import type { CheckpointTensor, ViTWeights } from './types.js';

/** A checkpoint as name → { tensor, dtype }. Internal. */
export function checkpointEntries(weights: ViTWeights, fn: string): Map<string, CheckpointTensor> {
  if (typeof weights !== 'object' || weights === null || Array.isArray(weights)) {
    throw new VitValueError(`\`weights\` of ${fn} must be an object of tensors by timm name (or a parseSafetensors result). Got ${weights === null ? 'null' : typeof weights}.`, { code: 'VIT_WEIGHT_VALUE' });
  }
  const w = weights as Record<string, unknown>;
  const record = isSafetensorsResult(w) ? (w.tensors as Record<string, unknown>) : w;
  const out = new Map<string, CheckpointTensor>();
  for (const [name, v] of Object.entries(record)) {
    if (isTensor(v)) out.set(name, { tensor: v, dtype: dtypeName(v.data) });
    else if (typeof v === 'object' && v !== null && isTensor((v as CheckpointTensor).tensor) && typeof (v as CheckpointTensor).dtype === 'string') {
      out.set(name, v as CheckpointTensor);
    } else {
      throw new VitValueError(`\`weights['${name}']\` of ${fn} must be a tensor (an ndarray) or { tensor, dtype }. Got ${typeof v}.`, { code: 'VIT_WEIGHT_VALUE' });
    }
  }
  return out;
}

function isSafetensorsResult(w: Record<string, unknown>): boolean {
  return 'tensors' in w && 'metadata' in w && !isTensor(w.tensors) && typeof w.tensors === 'object' && w.tensors !== null;
}

function isTensor(v: unknown): v is Tensor<TypedArray> {
  return typeof v === 'object' && v !== null && Array.isArray((v as Tensor).shape) && Array.isArray((v as Tensor).stride) && ArrayBuffer.isView((v as Tensor).data);
}

function dtypeName(data: unknown): string {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof BigInt64Array) return 'I64';
  if (data instanceof Int32Array) return 'I32';
  if (data instanceof Int16Array) return 'I16';
  if (data instanceof Int8Array) return 'I8';
  if (data instanceof BigUint64Array) return 'U64';
  if (data instanceof Uint32Array) return 'U32';
  if (data instanceof Uint16Array) return 'U16';
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return 'U8';
  return 'unknown';
}

