import { decodeElements, diskItemSize } from './codec.js';
import { asBytes, fileOf, ioError, type IoErrorCode } from './ioUtil.js';
import { ST_TO_DISK, isSafetensorsDType, type SafetensorsDType } from './safetensorsDType.js';
import { tensor, type Tensor, type TypedArray } from './tensor.js';

/** Options of {@link parseSafetensors}. */
export interface ParseSafetensorsOptions {
  /** File name used in error messages. @default undefined (messages name `parseSafetensors`) */
  file?: string;
}

/** One tensor of a safetensors file. */
export interface SafetensorsTensor {
  /** C-order tensor; F16/BF16 widened to float32, BOOL as 0/1 `Uint8Array`, I64/U64 as bigint arrays. */
  tensor: Tensor<TypedArray>;
  /** The dtype stored in the file. */
  dtype: SafetensorsDType;
}

/** A parsed safetensors file. */
export interface SafetensorsResult {
  tensors: Record<string, SafetensorsTensor>;
  /** The free-form `__metadata__` (string → string); `{}` when absent. */
  metadata: Record<string, string>;
}

/** The reference implementation refuses headers above 100 MB; so do we. */
const MAX_HEADER = 100_000_000;

/**
 * Parse the bytes of a safetensors file: an 8-byte little-endian header length, a JSON header
 * `{ name: { dtype, shape, data_offsets: [begin, end) }, __metadata__? }`, then the data.
 * Everything is validated before any tensor is built: header length and JSON, dtypes, shapes,
 * offsets inside the data, `end - begin = product(shape) · itemsize`, and tensors tiling the
 * data exactly (no gaps, no overlaps), as the reference implementation requires.
 * @param bytes The whole file.
 * @param options Options, or just the file name for error messages.
 * @returns The tensors by name and the metadata.
 * @throws VitIoError with code `VIT_IO_TRUNCATED`, `VIT_IO_HEADER` (length, JSON or entry
 *   malformed), `VIT_IO_DTYPE` (e.g. F8_E4M3), `VIT_IO_SIZE` or `VIT_IO_OFFSETS`, naming the tensor.
 * @example const { tensors } = parseSafetensors(bytes); tensors['blocks.0.attn.qkv.weight'].tensor
 */
export function parseSafetensors(bytes: Uint8Array | ArrayBuffer, options: string | ParseSafetensorsOptions = {}): SafetensorsResult {
  const b = asBytes(bytes, 'parseSafetensors');
  const file = fileOf(options);
  const err = (code: IoErrorCode, msg: string) => ioError('parseSafetensors', file, code, msg);
  if (b.length < 8) throw err('VIT_IO_TRUNCATED', `safetensors file is truncated: ${b.length} bytes, shorter than the 8-byte header length.`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = dv.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER)) throw err('VIT_IO_HEADER', `safetensors header length ${n} exceeds the ${MAX_HEADER}-byte limit (not a safetensors file?).`);
  const hlen = Number(n);
  if (8 + hlen > b.length) {
    throw err('VIT_IO_TRUNCATED', `safetensors header declares ${hlen} bytes but only ${b.length - 8} follow.`);
  }
  if (hlen < 2 || b[8] !== 0x7b) throw err('VIT_IO_HEADER', `safetensors header must be a JSON object starting with '{'.`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(8, 8 + hlen)));
  } catch (e) {
    throw err('VIT_IO_HEADER', `safetensors header is not valid UTF-8 JSON (${(e as Error).message}).`);
  }
  if (!isObject(json)) throw err('VIT_IO_HEADER', `safetensors header must be a JSON object.`);
  const dataStart = 8 + hlen;
  const dataLen = b.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafetensorsDType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, v] of Object.entries(json)) {
    if (name === '__metadata__') {
      if (!isObject(v)) throw err('VIT_IO_HEADER', `safetensors __metadata__ must be an object of strings.`);
      for (const [k, s] of Object.entries(v)) {
        if (typeof s !== 'string') throw err('VIT_IO_HEADER', `safetensors __metadata__['${k}'] must be a string. Got ${typeof s}.`);
        metadata[k] = s;
      }
      continue;
    }
    if (!isObject(v)) throw err('VIT_IO_HEADER', `safetensors entry '${name}' must be an object.`);
    const keys = Object.keys(v).sort().join(',');
    if (keys !== 'data_offsets,dtype,shape') {
      throw err('VIT_IO_HEADER', `safetensors entry '${name}' must have exactly dtype, shape, data_offsets. Got ${keys || 'none'}.`);
    }
    const { dtype, shape, data_offsets: off } = v as { dtype: unknown; shape: unknown; data_offsets: unknown };
    if (!isSafetensorsDType(dtype)) {
      throw err('VIT_IO_DTYPE', `safetensors tensor '${name}' has unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(ST_TO_DISK).join(', ')}).`);
    }
    if (!Array.isArray(shape) || !shape.every((s) => Number.isSafeInteger(s) && s >= 0)) {
      throw err('VIT_IO_HEADER', `safetensors tensor '${name}' shape must be a list of non-negative integers. Got ${JSON.stringify(shape)}.`);
    }
    if (!Array.isArray(off) || off.length !== 2 || !off.every((s) => Number.isSafeInteger(s) && s >= 0) || off[0] > off[1]) {
      throw err('VIT_IO_OFFSETS', `safetensors tensor '${name}' data_offsets must be [begin, end] with 0 ≤ begin ≤ end. Got ${JSON.stringify(off)}.`);
    }
    const [begin, end] = off as number[];
    if (end > dataLen) {
      throw err('VIT_IO_OFFSETS', `safetensors tensor '${name}' data_offsets [${begin}, ${end}) point outside the ${dataLen} data bytes of the file.`);
    }
    let count = 1;
    for (const s of shape as number[]) count *= s;
    const need = count * diskItemSize(ST_TO_DISK[dtype]);
    if (need !== end - begin) {
      throw err('VIT_IO_SIZE', `safetensors tensor '${name}' of shape [${(shape as number[]).join(',')}] ${dtype} needs ${need} bytes, but data_offsets [${begin}, ${end}) hold ${end - begin}.`);
    }
    entries.push({ name, dtype, shape: shape as number[], begin, end });
  }
  // The tensors must tile the data region exactly.
  const sorted = [...entries].sort((x, y) => x.begin - y.begin || x.end - y.end);
  let at = 0;
  for (const e of sorted) {
    if (e.begin !== at) {
      throw err('VIT_IO_OFFSETS', `safetensors tensor '${e.name}' starts at ${e.begin}, expected ${at}: ${e.begin < at ? 'it overlaps the previous tensor' : 'there is a gap before it'}.`);
    }
    at = e.end;
  }
  if (at !== dataLen) throw err('VIT_IO_OFFSETS', `safetensors tensors cover ${at} data bytes but the file has ${dataLen} (trailing bytes).`);
  const tensors: Record<string, SafetensorsTensor> = {};
  for (const e of entries) {
    const count = (e.end - e.begin) / diskItemSize(ST_TO_DISK[e.dtype]);
    const data = decodeElements(b, dataStart + e.begin, count, ST_TO_DISK[e.dtype], true);
    tensors[e.name] = { tensor: tensor(data, e.shape), dtype: e.dtype };
  }
  return { tensors, metadata };
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
