import { describe, expect, it } from 'vitest';
import { xorshift32 } from '@vit/test-utils';
import { tensor } from '@vit/io';
import { knnClassify } from './knnClassify.js';
import { knnPerLayer } from './knnPerLayer.js';

const rng = xorshift32;

describe('knnPerLayer', () => {
  const r = rng(2);
  const n = 40;
  const m = 12;
  const mk = (rows: number, d: number) => tensor(Float32Array.from({ length: rows * d }, () => r() - 0.5), [rows, d]);
  const train = [mk(n, 3), mk(n, 8)];
  const test = [mk(m, 3), mk(m, 8)];
  const labels = Array.from({ length: n }, () => Math.floor(r() * 5));
  const testLabels = Array.from({ length: m }, () => Math.floor(r() * 5));

  it('answers every k of every layer, equal to knnClassify per layer and k', async () => {
    const res = await knnPerLayer(train, labels, test, { k: [3, 10], testLabels, chunkSize: 9 });
    expect(res.layers).toEqual([1, 2]);
    expect(res.k).toEqual([3, 10]);
    expect(res.top1.shape).toEqual([2, 2]);
    for (let l = 0; l < 2; l++) {
      for (const [i, k] of [3, 10].entries()) {
        const one = await knnClassify(train[l], labels, test[l], { k, testLabels });
        const o = (l * 2 + i) * m;
        expect(Array.from(res.predictions.data.subarray(o, o + m))).toEqual(Array.from(one.predictions));
        expect(res.top1.data[l * 2 + i]).toBe(one.top1);
      }
    }
  });

  it('`layers` selects layers (1-based, negatives from the end); the output names them', async () => {
    const res = await knnPerLayer(train, labels, test, { k: 3, testLabels, layers: [-1] });
    const one = await knnClassify(train[1], labels, test[1], { k: 3, testLabels });
    expect(res.layers).toEqual([2]);
    expect(Array.from(res.predictions.data)).toEqual(Array.from(one.predictions));
    await expect(knnPerLayer(train, labels, test, { k: 3, layers: [3] })).rejects.toThrow(/layer 3 is out of range \(1 to 2\)/);
  });

  it('names the layer and the problem', async () => {
    await expect(knnPerLayer(train, labels, [test[0]], { k: 3 })).rejects.toThrow(/`test` of knnPerLayer must hold as many layers as `train` \(2\)\. Got 1/);
    await expect(knnPerLayer(train, labels, [test[0], test[0]], { k: 3 })).rejects.toThrow(/`test\[1\]` of knnPerLayer must have shape \[12,8\]/);
    await expect(knnPerLayer(train, labels, test, { k: 41 })).rejects.toThrow(/`k` of knnPerLayer must be ≤ the number of train rows \(40\)\. Got 41/);
    await expect(knnPerLayer(train, labels.slice(1), test, { k: 3 })).rejects.toThrow(/`trainLabels` of knnPerLayer must have one label per feature row \(40\)\. Got 39/);
  });
});
