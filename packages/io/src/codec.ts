/**
 * Element (de)serialisation shared by .npy, .npz and safetensors. Internal: the parsers have
 * already checked that `count * itemSize` bytes exist.
 */
import { DTYPE_INFO, type ArrayOf } from './dtype.js';
import { VitValueError } from './errors.js';
import type { DType, TypedArray } from './tensor.js';

/** On-disk element kinds: our dtypes plus bfloat16 (safetensors), which reads as float32. */
export type DiskType = DType | 'bfloat16';

export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function diskItemSize(t: DiskType): number {
  return t === 'bfloat16' ? 2 : DTYPE_INFO[t].itemSize;
}

let halfTable: Float32Array | undefined;
/** float16 bits → float32 value, by a 64K-entry table built once. */
function halfToFloatTable(): Float32Array {
  if (halfTable) return halfTable;
  halfTable = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >> 10) & 0x1f;
    const m = h & 0x3ff;
    halfTable[h] = e === 0 ? s * m * 2 ** -24 : e === 31 ? (m ? NaN : s * Infinity) : s * (1 + m / 1024) * 2 ** (e - 15);
  }
  return halfTable;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → float16 bits, round to nearest even; overflow → ±Inf, NaN stays NaN. */
export function floatToHalf(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const man = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (man ? 0x200 | (man >>> 13) : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    // Subnormal half: shift the full mantissa (with implicit 1) and round to nearest even.
    const full = man | 0x800000;
    const shift = 14 - e;
    let r = full >>> shift;
    const rem = full & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && r & 1)) r++;
    return sign | r;
  }
  let r = (e << 10) | (man >>> 13);
  const rem = man & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && r & 1)) r++; // carries into the exponent correctly, up to Inf
  return sign | r;
}

/** float32 → bfloat16 bits, round to nearest even; NaN stays NaN. */
export function floatToBf16(v: number): number {
  f32[0] = v;
  const x = u32[0];
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return (x >>> 16) | 0x40;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

function swapBytes(b: Uint8Array, size: number): void {
  for (let i = 0; i + size <= b.length; i += size) {
    for (let j = 0, k = size - 1; j < k; j++, k--) {
      const t = b[i + j];
      b[i + j] = b[i + k];
      b[i + k] = t;
    }
  }
}

/**
 * Decode `count` elements stored at `bytes[offset ..)` with the given byte order into a fresh,
 * aligned typed array (float16/bfloat16 → Float32Array, bool → Uint8Array of 0/1).
 */
export function decodeElements(bytes: Uint8Array, offset: number, count: number, type: DiskType, littleEndian: boolean): TypedArray {
  const size = diskItemSize(type);
  // Copy (not Buffer#slice, which is a view): aligned, and detached from the file's buffer.
  const raw = new Uint8Array(count * size);
  raw.set(bytes.subarray(offset, offset + count * size));
  if (size > 1 && littleEndian !== HOST_LITTLE_ENDIAN) swapBytes(raw, size);
  const buf = raw.buffer;
  switch (type) {
    case 'float16': {
      const h = new Uint16Array(buf, 0, count);
      const table = halfToFloatTable();
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = table[h[i]];
      return out;
    }
    case 'bfloat16': {
      const h = new Uint16Array(buf, 0, count);
      const out = new Uint32Array(count);
      for (let i = 0; i < count; i++) out[i] = h[i] << 16;
      return new Float32Array(out.buffer);
    }
    case 'bool': {
      for (let i = 0; i < count; i++) raw[i] = raw[i] ? 1 : 0;
      return raw;
    }
    default: {
      const C = DTYPE_INFO[type].ctor as unknown as new (b: ArrayBuffer, o: number, n: number) => TypedArray;
      return new C(buf, 0, count);
    }
  }
}

/**
 * Encode the elements of a C-ordered typed array (exactly the elements, offset 0) as `type`,
 * little-endian. Numbers are cast like numpy's `astype` (integers wrap, floats truncate);
 * casting to int64/uint64 refuses non-finite values.
 */
export function encodeElements(data: TypedArray, type: DiskType, what: () => string): Uint8Array<ArrayBuffer> {
  const n = data.length;
  const size = diskItemSize(type);
  if (type === 'float16' || type === 'bfloat16') {
    const h = new Uint16Array(n);
    const conv = type === 'float16' ? floatToHalf : floatToBf16;
    for (let i = 0; i < n; i++) h[i] = conv(Number(data[i]));
    return toLittle(new Uint8Array(h.buffer), size);
  }
  if (type === 'bool') {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = data[i] ? 1 : 0;
    return out;
  }
  const info = DTYPE_INFO[type];
  const arr: ArrayOf<DType> = new info.ctor(n); // a fresh buffer: `data` may be a Buffer, whose slice() is a view
  if (data instanceof info.ctor) {
    (arr as Float64Array).set(data as Float64Array);
  } else {
    const srcBig = data instanceof BigInt64Array || data instanceof BigUint64Array;
    if (info.bigint && !srcBig) {
      const a = arr as BigInt64Array;
      for (let i = 0; i < n; i++) {
        const v = data[i] as number;
        if (!Number.isFinite(v)) throw new VitValueError(`${what()} cannot store ${v} as ${type}; only finite values fit an integer type.`);
        a[i] = BigInt(Math.trunc(v));
      }
    } else if (!info.bigint && srcBig) {
      const a = arr as Float64Array;
      for (let i = 0; i < n; i++) a[i] = Number(data[i]);
    } else {
      (arr as Float64Array).set(data as Float64Array);
    }
  }
  return toLittle(new Uint8Array(arr.buffer, 0, n * size), size);
}

function toLittle(b: Uint8Array<ArrayBuffer>, size: number): Uint8Array<ArrayBuffer> {
  if (size > 1 && !HOST_LITTLE_ENDIAN) swapBytes(b, size);
  return b;
}
