import { describe, expect, it } from 'vitest';
import { VitIoError } from './errors.js';
import { parseSafetensors } from './parseSafetensors.js';
import { serializeSafetensors } from './serializeSafetensors.js';
import { tensor } from './tensor.js';
import { expectedValues, fixture, manifest, values } from './testFixtures.js';

function catchIo(f: () => unknown): VitIoError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(VitIoError);
    return e as VitIoError;
  }
  throw new Error('expected a VitIoError');
}

/** Build a file from a header object and a data length (bytes are zeros). */
function st(header: unknown, dataLen: number, pad = true): Uint8Array {
  let json = new TextEncoder().encode(JSON.stringify(header));
  if (pad && json.length % 8) {
    const p = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + dataLen);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

describe('parseSafetensors on a file written by a separate (Python) writer', () => {
  const [e] = manifest().safetensors;
  it('reads every dtype, BF16 and F16 widened exactly, plus metadata', () => {
    const r = parseSafetensors(fixture(e.file), e.file);
    expect(r.metadata).toEqual(e.metadata);
    expect(Object.keys(r.tensors).sort()).toEqual(Object.keys(e.tensors).sort());
    for (const [k, want] of Object.entries(e.tensors)) {
      expect(r.tensors[k].dtype, k).toBe(want.dtype);
      expect(r.tensors[k].tensor.shape, k).toEqual(want.shape);
      expect(values(r.tensors[k].tensor.data), k).toEqual(expectedValues(want.values, want.dtype));
    }
    expect(new Set(Object.values(r.tensors).map((t) => t.dtype))).toEqual(new Set(['F64', 'F32', 'F16', 'BF16', 'I64', 'I32', 'I16', 'I8', 'U8', 'BOOL']));
  });
});

describe('parseSafetensors bad input', () => {
  const f32 = (shape: number[], off: [number, number]) => ({ dtype: 'F32', shape, data_offsets: off });
  it('header length, JSON and truncation', () => {
    expect(catchIo(() => parseSafetensors(new Uint8Array(5), 'm.safetensors')).message).toMatch(/^m\.safetensors: safetensors file is truncated: 5 bytes/);
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
    expect(catchIo(() => parseSafetensors(huge)).message).toMatch(/header length 1099511627776 exceeds the 100000000-byte limit/);
    const short = st({ a: f32([1], [0, 4]) }, 4).subarray(0, 12);
    expect(catchIo(() => parseSafetensors(short)).code).toBe('VIT_IO_TRUNCATED');
    const notJson = st({}, 0);
    notJson.set(new TextEncoder().encode('{"a": 1'), 8);
    expect(catchIo(() => parseSafetensors(notJson)).message).toMatch(/not valid UTF-8 JSON/);
    expect(catchIo(() => parseSafetensors(st([1, 2], 0))).message).toMatch(/must be a JSON object starting with/);
  });
  it('offsets outside the file, overlaps, gaps, size mismatches, dtypes', () => {
    let e = catchIo(() => parseSafetensors(st({ w: f32([4], [0, 16]) }, 8), 'w.safetensors'));
    expect(e.code).toBe('VIT_IO_OFFSETS');
    expect(e.message).toBe("w.safetensors: safetensors tensor 'w' data_offsets [0, 16) point outside the 8 data bytes of the file.");
    e = catchIo(() => parseSafetensors(st({ a: f32([2], [0, 8]), b: f32([2], [4, 12]) }, 12)));
    expect(e.message).toMatch(/tensor 'b' starts at 4, expected 8: it overlaps the previous tensor/);
    e = catchIo(() => parseSafetensors(st({ a: f32([1], [0, 4]), b: f32([1], [8, 12]) }, 12)));
    expect(e.message).toMatch(/there is a gap before it/);
    e = catchIo(() => parseSafetensors(st({ a: f32([1], [0, 4]) }, 8)));
    expect(e.message).toMatch(/cover 4 data bytes but the file has 8/);
    e = catchIo(() => parseSafetensors(st({ a: f32([3], [0, 8]) }, 8)));
    expect(e.code).toBe('VIT_IO_SIZE');
    expect(e.message).toMatch(/tensor 'a' of shape \[3\] F32 needs 12 bytes, but data_offsets \[0, 8\) hold 8/);
    e = catchIo(() => parseSafetensors(st({ a: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, 1)));
    expect(e.code).toBe('VIT_IO_DTYPE');
    expect(e.message).toMatch(/unsupported dtype "F8_E4M3"/);
    e = catchIo(() => parseSafetensors(st({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, 4)));
    expect(e.code).toBe('VIT_IO_OFFSETS');
    e = catchIo(() => parseSafetensors(st({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, 4)));
    expect(e.message).toMatch(/shape must be a list of non-negative integers/);
    e = catchIo(() => parseSafetensors(st({ a: { dtype: 'F32', shape: [1] } }, 4)));
    expect(e.message).toMatch(/must have exactly dtype, shape, data_offsets/);
    e = catchIo(() => parseSafetensors(st({ __metadata__: { n: 1 } }, 0)));
    expect(e.message).toMatch(/__metadata__\['n'\] must be a string/);
  });
});

describe('serializeSafetensors', () => {
  it('round-trips with dtype overrides, alignment and metadata', () => {
    const w = tensor(Float32Array.from([0.1, -2, 3.5, 1e-3]), [2, 2]);
    const b = serializeSafetensors(
      {
        'z.weight': w,
        'a.half': { tensor: w, dtype: 'F16' },
        'a.bf': { tensor: w, dtype: 'BF16' },
        ids: tensor(BigInt64Array.from([1n, -1n]), [2]),
        mask: { tensor: tensor(new Uint8Array([0, 2, 1]), [3]), dtype: 'BOOL' },
        e: tensor(new Float64Array(0), [0]),
      },
      { format: 'pt' },
    );
    const n = Number(new DataView(b.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const r = parseSafetensors(b);
    expect(r.metadata).toEqual({ format: 'pt' });
    expect(values(r.tensors['z.weight'].tensor.data)).toEqual(values(w.data)); // exact float32 bits
    expect(r.tensors['a.half'].tensor.data).toBeDeepCloseTo([0.1, -2, 3.5, 1e-3], 1e-3); // float16 has 11 significant bits
    expect(r.tensors['a.bf'].tensor.data).toBeDeepCloseTo([0.1, -2, 3.5, 1e-3], 4e-3); // bfloat16 has 8
    expect(values(r.tensors.ids.tensor.data)).toEqual([1n, -1n]);
    expect(values(r.tensors.mask.tensor.data)).toEqual([0, 1, 1]);
    expect(r.tensors.e.tensor.shape).toEqual([0]);
    // Every tensor is aligned to its item size within the file.
    const header = JSON.parse(new TextDecoder().decode(b.subarray(8, 8 + n)));
    for (const [k, v] of Object.entries(header)) {
      if (k === '__metadata__') continue;
      const size = { F64: 8, I64: 8, F32: 4, F16: 2, BF16: 2, BOOL: 1 }[(v as { dtype: string }).dtype]!;
      expect((8 + n + (v as { data_offsets: number[] }).data_offsets[0]) % size, k).toBe(0);
    }
  });
  it('rejects reserved names, bad dtypes and non-string metadata', () => {
    const t = tensor(new Float32Array(1), [1]);
    expect(() => serializeSafetensors({ __metadata__: t })).toThrow(/reserved or empty name/);
    expect(() => serializeSafetensors({ a: { tensor: t, dtype: 'F8' as never } })).toThrow(/`tensors\['a'\].dtype` of serializeSafetensors must be one of/);
    expect(() => serializeSafetensors({ a: t }, { n: 1 as never })).toThrow(/`metadata\['n'\]` of serializeSafetensors must be a string/);
  });
});
