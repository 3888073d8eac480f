import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DTYPES, typedArrayFor } from './dtype.js';
import { parseNpy } from './parseNpy.js';
import { readNpy } from './readNpy.js';
import { serializeNpy } from './serializeNpy.js';
import { slice } from './slice.js';
import { tensor, type TypedArray } from './tensor.js';
import { transpose } from './transpose.js';
import { writeNpy } from './writeNpy.js';
import { values } from './testFixtures.js';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('serializeNpy', () => {
  it('writes numpy\'s exact header layout', () => {
    const b = serializeNpy(tensor(new Float32Array([1, 2, 3]), [3]));
    const headerLen = b[8] | (b[9] << 8);
    const header = new TextDecoder().decode(b.subarray(10, 10 + headerLen));
    expect(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }")).toBe(true);
    expect(header.endsWith('\n')).toBe(true);
    expect((10 + headerLen) % 64).toBe(0);
    expect(b.length).toBe(10 + headerLen + 12);
    const s = serializeNpy(tensor(new Float64Array([2]), []));
    expect(new TextDecoder().decode(s.subarray(10, 80))).toContain("'shape': ()");
  });
  it('round-trips every dtype, 0-d and empty arrays', () => {
    for (const dt of DTYPES) {
      const a = typedArrayFor(dt, 6);
      for (let i = 0; i < 6; i++) (a as unknown as (number | bigint)[])[i] = a instanceof BigInt64Array || a instanceof BigUint64Array ? BigInt(i * 3) : dt === 'bool' ? i % 2 : i - (dt.startsWith('u') ? 0 : 2);
      const r = parseNpy(serializeNpy(tensor(a as TypedArray, [2, 3]), { dtype: dt }));
      expect(r.dtype, dt).toBe(dt);
      expect(values(r.tensor.data), dt).toEqual(values(a));
      expect(r.tensor.shape).toEqual([2, 3]);
    }
    const z = parseNpy(serializeNpy(tensor(new Int16Array(0), [2, 0, 3])));
    expect(z.tensor.shape).toEqual([2, 0, 3]);
    expect(parseNpy(serializeNpy(tensor(new Float64Array([-4.5]), []))).tensor.data[0]).toBe(-4.5);
  });
  it('writes strided views in logical C order, and versions 2 and 3', () => {
    const x = tensor(Float32Array.from({ length: 12 }, (_, i) => i), [3, 4]);
    const v = slice(transpose(x), [[1, 3]]); // [2,3]: columns 1..2 of x
    const r = parseNpy(serializeNpy(v, { version: 3 }));
    expect(r.version).toEqual([3, 0]);
    expect(values(r.tensor.data)).toEqual([1, 5, 9, 2, 6, 10]);
    expect(parseNpy(serializeNpy(x, { version: 2 })).version).toEqual([2, 0]);
  });
  it('casts on request: float16, bool', () => {
    const r = parseNpy(serializeNpy(tensor(new Float32Array([0.1, 65519, 1e6]), [3]), { dtype: 'float16' }));
    expect(r.dtype).toBe('float16');
    expect(r.tensor.data).toBeDeepCloseTo([0.0999755859375, 65504, Infinity], 0);
    expect(values(parseNpy(serializeNpy(tensor(new Uint8Array([0, 3, 1]), [3]), { dtype: 'bool' })).tensor.data)).toEqual([0, 1, 1]);
    expect(() => serializeNpy(tensor(new Float32Array(1), [1]), { dtype: 'complex64' as never })).toThrow(/`options.dtype` of serializeNpy must be one of/);
    expect(() => serializeNpy({ shape: [1], data: [1] } as never)).toThrow(/`t` of serializeNpy must be an ndarray tensor over a typed array/);
  });
});

describe('readNpy / writeNpy', () => {
  it('write atomically and read back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vit-io-npy-'));
    dirs.push(dir);
    const p = join(dir, 'a.npy');
    await writeNpy(p, tensor(BigInt64Array.from([1n, -2n, 2n ** 62n]), [3]));
    const r = await readNpy(p);
    expect(r.dtype).toBe('int64');
    expect(values(r.tensor.data)).toEqual([1n, -2n, 2n ** 62n]);
    expect((await readdir(dir)).sort()).toEqual(['a.npy']); // no temporary file left behind
    await expect(readNpy(join(dir, 'missing.npy'))).rejects.toThrow(/missing\.npy: cannot read \(ENOENT\)/);
  });
});
