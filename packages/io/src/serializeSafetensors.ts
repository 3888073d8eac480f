import { dtypeOf } from './assert.js';
import { diskItemSize, encodeElements } from './codec.js';
import { contiguous } from './contiguous.js';
import { VitValueError } from './errors.js';
import { DTYPE_TO_ST, ST_TO_DISK, isSafetensorsDType, type SafetensorsDType } from './safetensorsDType.js';
import type { Tensor, TypedArray } from './tensor.js';

/** A tensor, or a tensor with the safetensors dtype to store it as (e.g. `'BF16'`, `'BOOL'`). */
export type SafetensorsEntry = Tensor<TypedArray> | { tensor: Tensor<TypedArray>; dtype: SafetensorsDType };

/**
 * Serialise named tensors as a safetensors file. Tensors are laid out by decreasing item size
 * then name, and the header is space-padded to a multiple of 8 bytes, so every tensor's data
 * is aligned to its item size. Values are cast to the requested dtype (float32 → F16/BF16
 * rounds to nearest even).
 * @param tensors Tensors by name (names must not be empty or `__metadata__`).
 * @param metadata Optional free-form string → string metadata.
 * @returns The complete file contents.
 * @throws VitValueError for a bad name, tensor, dtype or non-string metadata value.
 * @example await atomicWrite('w.safetensors', serializeSafetensors({ 'head.weight': w }, { format: 'pt' }))
 */
export function serializeSafetensors(tensors: Record<string, SafetensorsEntry>, metadata?: Record<string, string>): Uint8Array {
  if (!tensors || typeof tensors !== 'object') {
    throw new VitValueError(`\`tensors\` of serializeSafetensors must be an object of tensors by name. Got ${tensors === null ? 'null' : typeof tensors}.`);
  }
  const items = Object.entries(tensors).map(([name, v]) => {
    if (name === '' || name === '__metadata__') throw new VitValueError(`\`tensors\` of serializeSafetensors has a reserved or empty name '${name}'.`);
    const entry = v && typeof v === 'object' && 'tensor' in v && 'dtype' in v ? v : { tensor: v as Tensor<TypedArray>, dtype: undefined };
    const t = entry.tensor;
    if (!t || !Array.isArray(t.shape) || !ArrayBuffer.isView(t.data)) {
      throw new VitValueError(`\`tensors['${name}']\` of serializeSafetensors must be an ndarray tensor over a typed array.`);
    }
    const own = dtypeOf(t);
    const dtype = entry.dtype ?? (own ? DTYPE_TO_ST[own] : undefined);
    if (!isSafetensorsDType(dtype)) {
      throw new VitValueError(`\`tensors['${name}'].dtype\` of serializeSafetensors must be one of ${Object.keys(ST_TO_DISK).join(', ')}. Got ${String(dtype)}.`);
    }
    return { name, dtype, shape: t.shape.slice(), t };
  });
  items.sort((a, b) => diskItemSize(ST_TO_DISK[b.dtype]) - diskItemSize(ST_TO_DISK[a.dtype]) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    if (!metadata || typeof metadata !== 'object') throw new VitValueError('`metadata` of serializeSafetensors must be an object of strings.');
    for (const [k, s] of Object.entries(metadata)) {
      if (typeof s !== 'string') throw new VitValueError(`\`metadata['${k}']\` of serializeSafetensors must be a string. Got ${typeof s}.`);
    }
    header.__metadata__ = metadata;
  }
  const blobs: Uint8Array[] = [];
  let at = 0;
  for (const it of items) {
    const bytes = encodeElements(contiguous(it.t).data, ST_TO_DISK[it.dtype], () => `\`tensors['${it.name}']\` of serializeSafetensors`);
    header[it.name] = { dtype: it.dtype, shape: it.shape, data_offsets: [at, at + bytes.length] };
    blobs.push(bytes);
    at += bytes.length;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + at);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let o = 8 + json.length;
  for (const blob of blobs) {
    out.set(blob, o);
    o += blob.length;
  }
  return out;
}
