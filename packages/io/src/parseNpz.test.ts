import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { VitIoError } from './errors.js';
import { parseNpz } from './parseNpz.js';
import { serializeNpy } from './serializeNpy.js';
import { serializeNpz, serializeNpzParts } from './serializeNpz.js';
import { npyParts } from './serializeNpy.js';
import { storedZipParts } from './zip.js';
import { tensor } from './tensor.js';
import { crc32 } from './zip.js';
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

describe('parseNpz on archives written by numpy', () => {
  it.each(manifest().npz.map((e) => [e.file, e] as const))('%s', (file, e) => {
    const arrays = parseNpz(fixture(file), file);
    expect(Object.keys(arrays).sort()).toEqual(Object.keys(e.arrays).sort());
    for (const [k, want] of Object.entries(e.arrays)) {
      expect(arrays[k].shape, k).toEqual(want.shape);
      expect(values(arrays[k].data), k).toEqual(expectedValues(want.values, want.dtype));
    }
  });
  it('reads the empty archive numpy.savez writes for no arrays', () => {
    const eocd = new Uint8Array(22);
    eocd.set([0x50, 0x4b, 0x05, 0x06]);
    expect(parseNpz(eocd)).toEqual({});
  });
});

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});

describe('parseNpz bad input', () => {
  const good = serializeNpz({ a: tensor(new Float32Array([1, 2, 3]), [3]) });
  it('wrong magic, truncation, corruption', () => {
    let e = catchIo(() => parseNpz(serializeNpy(tensor(new Float32Array(1), [1])), 'x.npz'));
    expect(e.code).toBe('VIT_IO_MAGIC');
    expect(e.message).toMatch(/^x\.npz: not a zip \(\.npz\) file: expected magic 50 4b 03 04 .*got 93 4e 55 4d/);
    e = catchIo(() => parseNpz(good.subarray(0, good.length - 10), 'x.npz'));
    expect(e.code).toBe('VIT_IO_TRUNCATED');
    const flipped = good.slice();
    flipped[60] ^= 0xff; // inside the stored member's data
    e = catchIo(() => parseNpz(flipped));
    expect(e.message).toMatch(/CRC-32|does not inflate|\.npy/);
  });
  it('refuses members that are not .npy, duplicates, and impossible sizes', () => {
    const other = zipSync({ 'notes.txt': new Uint8Array([1, 2]) });
    expect(catchIo(() => parseNpz(other)).message).toMatch(/member 'notes\.txt' is not an \.npy array/);
    const bad = zipSync({ 'a.npy': [new Uint8Array(10), { level: 0 }] });
    expect(catchIo(() => parseNpz(bad, 'b.npz')).message).toMatch(/^b\.npz\[a\.npy\]: not an \.npy file/);
    // Claim a 4 GB uncompressed size for a deflated member: refused before allocating.
    const z = serializeNpz({ a: tensor(new Float32Array(100), [100]) }, { compress: true });
    const dv = new DataView(z.buffer, z.byteOffset);
    let cd = -1;
    for (let i = z.length - 22; i >= 0; i--) if (dv.getUint32(i, true) === 0x02014b50) cd = i;
    dv.setUint32(cd + 24, 0xfffffff0, true);
    expect(catchIo(() => parseNpz(z)).message).toMatch(/claims 4294967280 bytes from \d+ compressed bytes/);
  });
});

describe('serializeNpz', () => {
  it('round-trips stored and deflated archives, with dtype overrides', () => {
    const arrays = {
      x: tensor(Float64Array.from([1.5, -2, 3]), [3]),
      ids: tensor(BigInt64Array.from([7n, 8n]), [2, 1]),
      m: { tensor: tensor(new Uint8Array([1, 0, 1, 1]), [2, 2]), dtype: 'bool' as const },
    };
    for (const compress of [false, true]) {
      const b = serializeNpz(arrays, { compress });
      const r = parseNpz(b);
      expect(Object.keys(r).sort()).toEqual(['ids', 'm', 'x']);
      expect(values(r.x.data)).toEqual([1.5, -2, 3]);
      expect(r.ids.shape).toEqual([2, 1]);
      expect(values(r.ids.data)).toEqual([7n, 8n]);
      expect(values(r.m.data)).toEqual([1, 0, 1, 1]);
    }
    // Deterministic bytes; compression actually compresses.
    const big = { z: tensor(new Float32Array(4096), [4096]) };
    expect(serializeNpz(big)).toEqual(serializeNpz(big));
    expect(serializeNpz(big, { compress: true }).length).toBeLessThan(serializeNpz(big).length / 10);
    expect(() => serializeNpz({ '': tensor(new Float32Array(1), [1]) })).toThrow(/must not contain an empty name/);
  });

  it('gives the same bytes in parts, the stored members as views of the tensors (no copy)', () => {
    const x = tensor(Float32Array.from({ length: 1000 }, (_, i) => i / 7), [10, 100]);
    const arrays = { x, s: tensor(x.data.subarray(100, 200), [100]), h: { tensor: x, dtype: 'float16' as const } };
    const parts = serializeNpzParts(arrays);
    const joined = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) joined.set(p, (o += p.length) - p.length);
    expect(joined).toEqual(serializeNpz(arrays));
    expect(parts.some((p) => p.buffer === x.data.buffer && p.byteOffset === 0 && p.length === 4000)).toBe(true);
    expect(parts.some((p) => p.buffer === x.data.buffer && p.byteOffset === 400 && p.length === 400)).toBe(true);
    const r = parseNpz(joined);
    expect(values(r.s.data)).toEqual(values(x.data.subarray(100, 200)));
    expect(serializeNpzParts(arrays, { compress: true })).toHaveLength(1);
  });

  it('writes zip64 records where sizes and offsets pass the 32-bit limit (limit lowered to 100 bytes here)', () => {
    const members = [
      { name: 'a.npy', parts: npyParts(tensor(Float64Array.from({ length: 40 }, (_, i) => i), [40]), {}, 't') },
      { name: 'b.npy', parts: npyParts(tensor(new Int32Array([5, -6]), [2]), {}, 't') },
    ];
    const parts = storedZipParts(members, 100);
    const b = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) b.set(p, (o += p.length) - p.length);
    const dv = new DataView(b.buffer);
    expect(dv.getUint32(18, true)).toBe(0xffffffff); // member a: sizes in its zip64 extra field
    expect(dv.getUint32(b.length - 22 - 20 - 56, true)).toBe(0x06064b50); // zip64 end of central directory
    const r = parseNpz(b);
    expect(values(r.a.data)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(values(r.b.data)).toEqual([5, -6]);
    // Without the lowered limit: plain zip, same members.
    expect(parseNpz(storedZipParts(members).reduce((acc, p) => Uint8Array.from([...acc, ...p]), new Uint8Array(0))).b.shape).toEqual([2]);
  });
});
