import { describe, expect, it } from 'vitest';
import { VitIoError } from './errors.js';
import { parseNpy } from './parseNpy.js';
import { serializeNpy } from './serializeNpy.js';
import { tensor } from './tensor.js';
import { expectedValues, fixture, manifest, values } from './testFixtures.js';

const enc = (s: string) => new TextEncoder().encode(s);

/** Hand-build a v1 .npy with the given header text and data bytes. */
function npy(header: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const h = header + '\n';
  const out = new Uint8Array(10 + h.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length & 255, h.length >> 8]);
  out.set(enc(h), 10);
  out.set(data, 10 + h.length);
  return out;
}

function catchIo(f: () => unknown): VitIoError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(VitIoError);
    return e as VitIoError;
  }
  throw new Error('expected a VitIoError');
}

describe('parseNpy on files written by numpy', () => {
  const m = manifest();
  it.each(m.npy.map((e) => [e.file, e] as const))('%s', (file, e) => {
    const r = parseNpy(fixture(file), file);
    expect(r.dtype).toBe(e.dtype);
    expect(r.tensor.shape).toEqual(e.shape);
    expect(r.fortranOrder).toBe(e.fortranOrder);
    expect(r.version).toEqual(e.version);
    expect(r.byteOrder).toBe(e.byteOrder);
    // C order, offset 0, data holds exactly the elements.
    expect(r.tensor.offset).toBe(0);
    expect(r.tensor.data.length).toBe(e.values.length);
    const want = expectedValues(e.values, e.dtype);
    if (e.dtype === 'int64' || e.dtype === 'uint64') expect(values(r.tensor.data)).toEqual(want);
    else expect(values(r.tensor.data)).toEqual(want); // exact, -0 and NaN included (toEqual uses Object.is)
  });
  it('covers every dtype in both byte orders, Fortran order, v1/v2/v3, 0-d and empty', () => {
    const dts = new Set(m.npy.map((e) => e.dtype));
    expect(dts.size).toBe(12);
    expect(m.npy.some((e) => e.byteOrder === '>')).toBe(true);
    expect(m.npy.filter((e) => e.fortranOrder).length).toBeGreaterThanOrEqual(3);
    expect(new Set(m.npy.map((e) => e.version[0]))).toEqual(new Set([1, 2, 3]));
    expect(m.npy.some((e) => e.shape.length === 0)).toBe(true);
    expect(m.npy.some((e) => e.shape.includes(0))).toBe(true);
  });
});

describe('parseNpy bad input', () => {
  const good = serializeNpy(tensor(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]));
  it('names the file and the problem', () => {
    let e = catchIo(() => parseNpy(enc('PK\x03\x04 not numpy'), 'x.npy'));
    expect(e.code).toBe('VIT_IO_MAGIC');
    expect(e.message).toMatch(/^x\.npy: not an \.npy file: expected magic 93 4e 55 4d 50 59 .*got 50 4b 03 04/);
    e = catchIo(() => parseNpy(good.subarray(0, good.length - 4), 'y.npy'));
    expect(e.code).toBe('VIT_IO_TRUNCATED');
    expect(e.message).toBe('y.npy: .npy shape (2, 3) of <f4 needs 24 data bytes, but the file has 20 (truncated).');
    e = catchIo(() => parseNpy(good.subarray(0, 40)));
    expect(e.code).toBe('VIT_IO_TRUNCATED');
    expect(e.message).toMatch(/^parseNpy: \.npy header is truncated/);
    e = catchIo(() => parseNpy(good.subarray(0, 5)));
    expect(e.code).toBe('VIT_IO_TRUNCATED');
    const longer = new Uint8Array(good.length + 4);
    longer.set(good);
    e = catchIo(() => parseNpy(longer));
    expect(e.code).toBe('VIT_IO_SIZE');
    expect(e.message).toMatch(/needs 24 data bytes, but the file has 28\.$/);
  });
  it('refuses unsupported dtypes and malformed headers', () => {
    expect(catchIo(() => parseNpy(npy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8)))).code).toBe('VIT_IO_DTYPE');
    expect(catchIo(() => parseNpy(npy("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"))).message).toMatch(/unsupported \.npy dtype '\|O'/);
    expect(catchIo(() => parseNpy(npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }"))).code).toBe('VIT_IO_DTYPE');
    expect(catchIo(() => parseNpy(npy("{'descr': '<f4', 'shape': (1,), }"))).message).toMatch(/exactly the keys descr, fortran_order, shape/);
    expect(catchIo(() => parseNpy(npy("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }"))).message).toMatch(/fortran_order must be True or False/);
    expect(catchIo(() => parseNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }"))).message).toMatch(/shape must be a tuple of non-negative integers/);
    expect(catchIo(() => parseNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': [1], }"))).code).toBe('VIT_IO_HEADER');
    expect(catchIo(() => parseNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}"))).code).toBe('VIT_IO_HEADER');
    expect(catchIo(() => parseNpy(npy("__import__('os').system('true')"))).code).toBe('VIT_IO_HEADER');
    // A shape whose byte count is astronomically large fails on size, without allocating.
    expect(catchIo(() => parseNpy(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }"))).code).toBe('VIT_IO_SIZE');
    const v9 = good.slice();
    v9[6] = 9;
    expect(catchIo(() => parseNpy(v9)).message).toMatch(/unsupported \.npy format version 9\.0/);
  });
  it('accepts ArrayBuffer input and rejects non-bytes with a VitValueError', () => {
    expect(parseNpy(good.slice().buffer).tensor.shape).toEqual([2, 3]);
    expect(() => parseNpy('x.npy' as never)).toThrow(/`bytes` of parseNpy must be a Uint8Array or ArrayBuffer. Got string/);
  });
});
