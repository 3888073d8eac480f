import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseNpy } from '@vit/io';
import { FeatureSpill } from './featureSpill.js';

const work = mkdtempSync(join(tmpdir(), 'vit-spill-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const rows = (n: number, w: number, base: number) => Float32Array.from({ length: n * w }, (_, i) => base + i / 8);
const roundTrip = (s: FeatureSpill) => JSON.parse(JSON.stringify(s.toJSON()));

describe('FeatureSpill', () => {
  it('appends per-layer rows to valid .npy files and reads them back', async () => {
    const dir = join(work, 'a');
    const s = await FeatureSpill.create(dir, [2, 5]);
    await s.append([rows(3, 4, 0), rows(3, 4, 100)], [2, 2], [7, 8, 9], [1, 0, 1]);
    await s.append([rows(2, 4, 50), rows(2, 4, 150)], [2, 2], [10, 11], [0, 0]);
    expect(s.count).toBe(5);
    const npy = parseNpy(readFileSync(join(dir, 'layer-5.npy')));
    expect(npy.tensor.shape).toEqual([5, 2, 2]);
    expect(Array.from(npy.tensor.data as Float32Array)).toEqual([...rows(3, 4, 100), ...rows(2, 4, 150)]);
    expect(Array.from(await s.read(0, 0, 2, 2))).toEqual([...rows(3, 4, 0).subarray(8), ...rows(2, 4, 50).subarray(0, 4)]);
    expect(Array.from(s.segments[0].index)).toEqual([7, 8, 9, 10, 11]);
    const items = parseNpy(readFileSync(join(dir, 'items.npy'))).tensor;
    expect(items.shape).toEqual([5, 2]);
    expect(Array.from(items.data as Int32Array)).toEqual([7, 1, 8, 0, 9, 1, 10, 0, 11, 0]);
    expect(JSON.stringify(s.toJSON()).length).toBeLessThan(300); // counts only: item indices live in items.npy
    expect([...s.chunks(2)]).toEqual([{ s: 0, start: 0, n: 2 }, { s: 0, start: 2, n: 2 }, { s: 0, start: 4, n: 1 }]);
    await expect(s.append([rows(1, 3, 0), rows(1, 3, 0)], [3], [12], [0])).rejects.toThrow(/items of shape \[3\] after items of shape \[2,2\]/);
  });

  it('restore truncates rows written after the checkpoint; a short file is one line', async () => {
    const dir = join(work, 'b');
    const s = await FeatureSpill.create(dir, [1]);
    await s.append([rows(4, 3, 0)], [3], [0, 1, 2, 3], [0, 0, 0, 0]);
    const checkpoint = roundTrip(s);
    await s.append([rows(2, 3, 9)], [3], [4, 5], [0, 0]); // lost to a kill
    const r = await FeatureSpill.restore(checkpoint, dir);
    expect(statSync(join(dir, 'layer-1.npy')).size).toBe(128 + 4 * 3 * 4);
    expect(statSync(join(dir, 'items.npy')).size).toBe(128 + 4 * 8);
    expect(Array.from(r.segments[0].index)).toEqual([0, 1, 2, 3]);
    expect(parseNpy(readFileSync(join(dir, 'layer-1.npy'))).tensor.shape).toEqual([4, 3]);
    await r.append([rows(1, 3, 5)], [3], [4], [1]);
    expect(Array.from(await r.read(0, 0, 0, 5))).toEqual([...rows(4, 3, 0), ...rows(1, 3, 5)]);
    truncateSync(join(dir, 'layer-1.npy'), 128 + 12);
    await expect(FeatureSpill.restore(roundTrip(r), dir)).rejects.toThrow(/layer-1\.npy: holds 1 of the 5 items the checkpoint recorded/);
  });

  it('merge lists the shards in order; the merged state round-trips with every folder', async () => {
    const a = await FeatureSpill.create(join(work, 'c1'), [1]);
    const b = await FeatureSpill.create(join(work, 'c2'), [1]);
    await a.append([rows(2, 2, 0)], [2], [0, 1], [0, 1]);
    await b.append([rows(3, 2, 10)], [2], [2, 3, 4], [1, 1, 0]);
    a.merge(b);
    expect(a.count).toBe(5);
    const m = await FeatureSpill.restore(roundTrip(a), join(work, 'c1'));
    expect([...m.locate().entries()].map(([i, at]) => [i, at.s, at.row])).toEqual([[0, 0, 0], [1, 0, 1], [2, 1, 0], [3, 1, 1], [4, 1, 2]]);
    expect(Array.from(await m.read(0, 1, 1, 2))).toEqual(Array.from(rows(3, 2, 10).subarray(2)));
  });

  it('a checkpoint whose scratch folder moved (output copied elsewhere) is read from the new folder', async () => {
    const a = await FeatureSpill.create(join(work, 'd1'), [3]);
    await a.append([rows(2, 2, 4)], [2], [0, 1], [0, 0]);
    const json = roundTrip(a);
    cpSync(join(work, 'd1'), join(work, 'd2'), { recursive: true });
    rmSync(join(work, 'd1'), { recursive: true });
    const m = await FeatureSpill.restore(json, join(work, 'd2'));
    expect(Array.from(await m.read(0, 0, 0, 2))).toEqual(Array.from(rows(2, 2, 4)));
    await m.append([rows(1, 2, 9)], [2], [2], [0]);
    expect(m.segments[0].dir).toBe(join(work, 'd2'));
  });
});
