import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AverageCLSAccumulator } from '@vit/attention';
import { parseNpz, tensor, type Tensor } from '@vit/io';
import { mulberry32 } from '@vit/test-utils';
import { decodeCheckpoint, encodeCheckpoint, readCheckpoint, writeCheckpoint, type PassCheckpoint } from './checkpoint.js';

const tmp = mkdtempSync(join(tmpdir(), 'vit-study-ckpt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('checkpoint codec', () => {
  it('round-trips typed arrays, strided tensors, long number lists, NaN/±Infinity/-0, bigint and undefined fields exactly', () => {
    const rand = mulberry32(3);
    const f64 = Float64Array.from({ length: 100 }, () => rand() * 1e-300 + rand());
    f64[3] = NaN;
    f64[4] = -0;
    const base = tensor(Float32Array.from({ length: 24 }, (_, i) => i + 0.5), [2, 3, 4]);
    const strided = base.transpose(2, 0, 1); // [4,2,3], not C order
    const longList = Array.from({ length: 200 }, () => rand() * 3 - 1);
    longList[7] = NaN;
    longList[8] = -0;
    const value = {
      f64,
      i32: Int32Array.from([-1, 2, 2 ** 31 - 1]),
      u8c: Uint8ClampedArray.from([0, 255, 7]),
      big: BigInt64Array.from([-(2n ** 62n), 5n]),
      t: strided,
      longList,
      short: [1, 2.5, null],
      nums: [NaN, Infinity, -Infinity, -0, 0.1 + 0.2],
      n: 10n,
      nested: { undef: undefined, $weird: 'key', list: [{ a: new Float32Array([1.5]) }] },
    };
    const back = decodeCheckpoint(encodeCheckpoint(value)) as typeof value;
    expect(back.f64).toBeInstanceOf(Float64Array);
    expect(Array.from(back.f64)).toEqual(Array.from(f64));
    expect(Object.is(back.f64[4], -0)).toBe(true);
    expect(back.i32).toBeInstanceOf(Int32Array);
    expect(Array.from(back.i32)).toEqual([-1, 2, 2 ** 31 - 1]);
    expect(back.u8c).toBeInstanceOf(Uint8ClampedArray);
    expect(back.big).toEqual(BigInt64Array.from([-(2n ** 62n), 5n]));
    const t = back.t as Tensor;
    expect(t.shape).toEqual([4, 2, 3]);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 2; j++) for (let k = 0; k < 3; k++) expect(t.get(i, j, k)).toBe(strided.get(i, j, k));
    expect(back.longList).toEqual(longList);
    expect(Object.is(back.longList[8], -0)).toBe(true);
    expect(Array.isArray(back.longList)).toBe(true);
    expect(back.short).toEqual([1, 2.5, null]);
    expect(back.nums.map(String)).toEqual(['NaN', 'Infinity', '-Infinity', '0', String(0.1 + 0.2)]);
    expect(Object.is(back.nums[3], -0)).toBe(true);
    expect(back.n).toBe(10n);
    expect('undef' in back.nested).toBe(true);
    expect(back.nested.$weird).toBe('key');
    expect(back.nested.list[0].a).toEqual(new Float32Array([1.5]));
  });

  it('stores arrays as binary .npy members beside one JSON entry (not as JSON text)', () => {
    const bytes = encodeCheckpoint({ a: new Float64Array(1000).fill(1 / 3) });
    const members = parseNpz(bytes);
    expect(Object.keys(members).sort()).toEqual(['__json__', 'a0']);
    expect(members.a0.data).toBeInstanceOf(Float64Array);
    expect(bytes.length).toBeLessThan(8000 + 1000);
  });

  it('a restored accumulator state equals the original exactly', () => {
    const acc = new AverageCLSAccumulator();
    const rand = mulberry32(9);
    const att = Float32Array.from({ length: 2 * 2 * 5 * 5 }, () => rand());
    for (let r = 0; r < att.length; r += 5) {
      let s = 0;
      for (let j = 0; j < 5; j++) s += att[r + j];
      for (let j = 0; j < 5; j++) att[r + j] /= s;
    }
    acc.update({ attention: [tensor(att, [2, 2, 5, 5])], grid: { gh: 2, gw: 2, prefix: 1 } });
    const back = AverageCLSAccumulator.fromJSON(decodeCheckpoint(encodeCheckpoint(acc.toJSON())) as ReturnType<typeof acc.toJSON>);
    expect(back.toJSON()).toEqual(acc.toJSON());
  });

  it('writes atomically and reads back; a missing file is undefined; a foreign file is one clear error', async () => {
    const ckpt: PassCheckpoint = { fingerprint: 'f'.repeat(64), done: 8, total: 20, complete: false, skipped: [{ index: 3, id: 'x.png', error: 'bad' }], seconds: 1.5, states: [{ s: new Float64Array([1, 2]) }] };
    const file = join(tmp, 'state.ckpt');
    await writeCheckpoint(file, ckpt);
    expect(await readCheckpoint(file)).toEqual(ckpt);
    expect(await readCheckpoint(join(tmp, 'none.ckpt'))).toBeUndefined();
    writeFileSync(join(tmp, 'junk.ckpt'), 'hello');
    await expect(readCheckpoint(join(tmp, 'junk.ckpt'))).rejects.toThrow(/junk\.ckpt/);
    expect(readFileSync(file).subarray(0, 2).toString()).toBe('PK'); // a zip (npz)
  });
});
