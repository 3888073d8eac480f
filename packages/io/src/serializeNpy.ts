import { encodeElements } from './codec.js';
import { contiguous } from './contiguous.js';
import { dtypeOf } from './assert.js';
import { isDType, DTYPES } from './dtype.js';
import { VitValueError } from './errors.js';
import { joinParts } from './ioUtil.js';
import { dtypeToDescr } from './npyHeader.js';
import type { DType, Tensor, TypedArray } from './tensor.js';

/** Options of {@link serializeNpy}. */
export interface SerializeNpyOptions {
  /** Element type to store, cast from the tensor's like numpy's `astype` (e.g. `'float16'`, or `'bool'` for a 0/1 `Uint8Array`). @default the tensor's own type */
  dtype?: DType;
  /** Format version. 1.0 unless the header needs more than 65535 bytes (then 2.0). @default 1 */
  version?: 1 | 2 | 3;
}

/**
 * Serialise a tensor as a numpy `.npy` file: little-endian, C order, header padded so the
 * data starts at a multiple of 64 bytes. Strided views are written in their logical C order.
 * @param t Any tensor over a typed array, 0-d and empty included.
 * @param options Element type and format version.
 * @returns The complete file contents.
 * @throws VitValueError when `t` is not a typed-array tensor, or `dtype` is unknown.
 * @example await atomicWrite('x.npy', serializeNpy(x, { dtype: 'float16' }))
 */
export function serializeNpy(t: Tensor<TypedArray>, options: SerializeNpyOptions = {}): Uint8Array<ArrayBuffer> {
  return joinParts(npyParts(t, options, 'serializeNpy')) as Uint8Array<ArrayBuffer>; // header + data: a new buffer
}

const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The `.npy` file as two parts, header and data; the data part is a view of the tensor's own
 * memory when it is contiguous and already of the stored type (on a little-endian host), else a
 * converted copy. Internal: the writers that stream parts to a file use it.
 */
export function npyParts(t: Tensor<TypedArray>, options: SerializeNpyOptions, fn: string): [Uint8Array, Uint8Array] {
  if (!t || typeof t !== 'object' || !Array.isArray(t.shape) || !ArrayBuffer.isView(t.data)) {
    throw new VitValueError(`\`t\` of ${fn} must be an ndarray tensor over a typed array. Got ${t === null ? 'null' : typeof t}.`);
  }
  const own = dtypeOf(t);
  const dtype = options.dtype ?? own;
  if (!dtype || !isDType(dtype)) {
    throw new VitValueError(`\`options.dtype\` of ${fn} must be one of ${DTYPES.join(', ')}. Got ${String(dtype)}.`);
  }
  const shape = t.shape;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${dtypeToDescr(dtype)}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  let version = options.version ?? 1;
  if (version === 1 && dict.length + 11 > 65535) version = 2;
  if (![1, 2, 3].includes(version)) {
    throw new VitValueError(`\`options.version\` of ${fn} must be 1, 2 or 3. Got ${String(options.version)}.`);
  }
  const pre = version === 1 ? 10 : 12;
  const total = Math.ceil((pre + dict.length + 1) / 64) * 64;
  const text = dict + ' '.repeat(total - pre - dict.length - 1) + '\n';
  const header = new Uint8Array(total);
  header.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(header.buffer);
  if (version === 1) dv.setUint16(8, text.length, true);
  else dv.setUint32(8, text.length, true);
  for (let i = 0; i < text.length; i++) header[pre + i] = text.charCodeAt(i); // ASCII only
  const elements = contiguous(t).data;
  const raw = dtype === own && dtype !== 'bool' && (LITTLE || elements.BYTES_PER_ELEMENT === 1);
  const data = raw ? new Uint8Array(elements.buffer, elements.byteOffset, elements.byteLength) : encodeElements(elements, dtype, () => `\`t\` of ${fn}`);
  return [header, data];
}
