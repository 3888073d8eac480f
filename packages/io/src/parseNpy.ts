import { decodeElements } from './codec.js';
import { contiguous } from './contiguous.js';
import { DTYPE_INFO } from './dtype.js';
import { asBytes, fileOf, hexHead, ioError } from './ioUtil.js';
import { descrToDType, parsePyLiteral, type PyValue } from './npyHeader.js';
import { ndarray, tensor, type DType, type Tensor, type TypedArray } from './tensor.js';

/** Options of {@link parseNpy}. */
export interface ParseNpyOptions {
  /** File name used in error messages. @default undefined (messages name `parseNpy`) */
  file?: string;
}

/** A parsed `.npy` array. */
export interface NpyResult {
  /** The array in C order (`fortran_order` files are transposed into C order). float16 is widened to float32, bool is 0/1 `Uint8Array`, int64/uint64 are `BigInt64Array`/`BigUint64Array`. */
  tensor: Tensor<TypedArray>;
  /** The element type stored in the file. */
  dtype: DType;
  /** Whether the file stored the array in Fortran (column-major) order. */
  fortranOrder: boolean;
  /** Byte order of the file: `'<'` little, `'>'` big, `'|'` not applicable (1-byte types). */
  byteOrder: '<' | '>' | '|';
  /** Format version `[major, minor]`: `[1,0]`, `[2,0]` or `[3,0]`. */
  version: [number, number];
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/**
 * Parse the bytes of a numpy `.npy` file (format versions 1.0, 2.0 and 3.0; little- or
 * big-endian; C or Fortran order; 0-d and empty arrays). The header is read by a strict
 * parser of its Python dict literal, and its shape must account for every data byte.
 * @param bytes The whole file.
 * @param options Options, or just the file name for error messages.
 * @returns The tensor (always C order) and what the file said about it.
 * @throws VitIoError with code `VIT_IO_MAGIC` (not an .npy), `VIT_IO_TRUNCATED`, `VIT_IO_HEADER`
 *   (malformed header), `VIT_IO_DTYPE` (e.g. complex, strings, structured) or `VIT_IO_SIZE`
 *   (shape disagrees with the data size).
 * @example const { tensor, dtype } = parseNpy(await readFile('feats.npy'), 'feats.npy');
 */
export function parseNpy(bytes: Uint8Array | ArrayBuffer, options: string | ParseNpyOptions = {}): NpyResult {
  const b = asBytes(bytes, 'parseNpy');
  const file = fileOf(options);
  const err = (code: Parameters<typeof ioError>[2], msg: string) => ioError('parseNpy', file, code, msg);
  if (b.length < 8 || MAGIC.some((m, i) => b[i] !== m)) {
    if (b.length < 8 && MAGIC.every((m, i) => i >= b.length || b[i] === m)) {
      throw err('VIT_IO_TRUNCATED', `.npy file is truncated: ${b.length} bytes, shorter than its 10-byte preamble.`);
    }
    throw err('VIT_IO_MAGIC', `not an .npy file: expected magic 93 4e 55 4d 50 59 ("\\x93NUMPY"), got ${hexHead(b)}.`);
  }
  const major = b[6];
  const minor = b[7];
  if (!((major === 1 || major === 2 || major === 3) && minor === 0)) {
    throw err('VIT_IO_HEADER', `unsupported .npy format version ${major}.${minor} (expected 1.0, 2.0 or 3.0).`);
  }
  const lenBytes = major === 1 ? 2 : 4;
  if (b.length < 8 + lenBytes) throw err('VIT_IO_TRUNCATED', `.npy file is truncated inside its header length field (${b.length} bytes).`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const dataStart = 8 + lenBytes + headerLen;
  if (dataStart > b.length) {
    throw err('VIT_IO_TRUNCATED', `.npy header is truncated: it declares ${headerLen} bytes but only ${b.length - 8 - lenBytes} follow.`);
  }
  let text: string;
  try {
    text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1', { fatal: true }).decode(b.subarray(8 + lenBytes, dataStart));
  } catch {
    throw err('VIT_IO_HEADER', `.npy header is not valid UTF-8.`);
  }
  let header: PyValue;
  try {
    header = parsePyLiteral(text.trimEnd());
  } catch (e) {
    throw err('VIT_IO_HEADER', `.npy header is not a valid Python dict literal (${(e as Error).message}): ${clip(text)}`);
  }
  if (!(header instanceof Map)) throw err('VIT_IO_HEADER', `.npy header must be a dict. Got ${clip(text)}`);
  const keys = [...header.keys()].sort().join(',');
  if (keys !== 'descr,fortran_order,shape') {
    throw err('VIT_IO_HEADER', `.npy header must have exactly the keys descr, fortran_order, shape. Got ${keys || 'none'}.`);
  }
  const descr = header.get('descr');
  const fortran = header.get('fortran_order');
  const shapeV = header.get('shape');
  if (typeof fortran !== 'boolean') throw err('VIT_IO_HEADER', `.npy header's fortran_order must be True or False. Got ${JSON.stringify(fortran)}.`);
  const tuple = shapeV && typeof shapeV === 'object' && 'tuple' in shapeV ? shapeV.tuple : undefined;
  if (!tuple || !tuple.every((s) => typeof s === 'number' && s >= 0)) {
    throw err('VIT_IO_HEADER', `.npy header's shape must be a tuple of non-negative integers. Got ${clip(text)}`);
  }
  const shape = tuple as number[];
  const kind = typeof descr === 'string' ? descrToDType(descr) : undefined;
  if (!kind) {
    throw err('VIT_IO_DTYPE', `unsupported .npy dtype ${typeof descr === 'string' ? `'${descr}'` : JSON.stringify(descr)} (supported: bool, int8-64, uint8-64, float16/32/64).`);
  }
  const itemSize = DTYPE_INFO[kind.dtype].itemSize;
  let count = 1;
  for (const s of shape) count *= s;
  const have = b.length - dataStart;
  if (!Number.isSafeInteger(count * itemSize) || count * itemSize !== have) {
    const code = Number.isSafeInteger(count * itemSize) && count * itemSize > have ? 'VIT_IO_TRUNCATED' : 'VIT_IO_SIZE';
    throw err(
      code,
      `.npy shape (${shape.join(', ')}) of ${descr} needs ${count * itemSize} data bytes, but the file has ${have}${code === 'VIT_IO_TRUNCATED' ? ' (truncated)' : ''}.`,
    );
  }
  const data = decodeElements(b, dataStart, count, kind.dtype, kind.littleEndian);
  let t: Tensor<TypedArray>;
  if (fortran && shape.length > 1) {
    // Column-major: view with Fortran strides, then copy into C order.
    const stride: number[] = [];
    let s = 1;
    for (const n of shape) {
      stride.push(s);
      s *= n;
    }
    t = contiguous(ndarray(data, shape.slice(), stride, 0) as unknown as Tensor<TypedArray>);
  } else {
    t = tensor(data, shape);
  }
  return { tensor: t, dtype: kind.dtype, fortranOrder: fortran, byteOrder: kind.byteOrder, version: [major, minor] };
}

function clip(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 120 ? `${one.slice(0, 120)}…` : one;
}
