import { describe, expect, it } from 'vitest';
import { tensor } from '@vit/io';
import type { Tensor } from '@vit/io';
import { describeAccumulator } from '@vit/test-utils';
import { FeatureCollector } from './FeatureCollector.js';
import { Prng } from '@vit/io';

function taps(B: number, T: number, D: number, seed: number): Tensor {
  const r = new Prng(seed);
  return tensor(Float32Array.from({ length: B * T * D }, () => r.normal()), [B, T, D]);
}
const batch = (B: number, seed: number) => ({ feats: [taps(B, 5, 3, seed), taps(B, 5, 4, seed + 1)], labels: Int32Array.from({ length: B }, (_, i) => (i + seed) % 3) });

describe('FeatureCollector', () => {
  it("'cls' keeps token 0, 'mean' averages the spatial tokens, per layer [N,D]", () => {
    const b1 = batch(3, 1);
    const b2 = batch(2, 9);
    const cls = new FeatureCollector({ tokens: 'cls' }).update(b1).update(b2).result();
    const mean = new FeatureCollector({ tokens: 'mean', prefix: 1 }).update(b1).update(b2).result();
    expect(cls.features.map((f) => f.shape)).toEqual([[5, 3], [5, 4]]);
    expect(Array.from(cls.labels)).toEqual([...b1.labels, ...b2.labels]);
    const imgs = [0, 1, 2].map((i) => [b1, i] as const).concat([0, 1].map((i) => [b2, i] as const));
    imgs.forEach(([b, i], row) => {
      for (let j = 0; j < 4; j++) {
        expect(cls.features[1].get(row, j)).toBeDeepCloseTo(b.feats[1].get(i, 0, j), 0);
        const m = (b.feats[1].get(i, 1, j) + b.feats[1].get(i, 2, j) + b.feats[1].get(i, 3, j) + b.feats[1].get(i, 4, j)) / 4;
        expect(mean.features[1].get(row, j)).toBeDeepCloseTo(m, 1e-6);
      }
    });
  });

  it("'pooled' takes [B,D] rows as they are", () => {
    const rows = tensor(Float32Array.from([1, 2, 3, 4, 5, 6]), [3, 2]);
    const r = new FeatureCollector({ tokens: 'pooled' }).update({ feats: [rows], labels: [0, 1, 1] }).result();
    expect(r.features[0].data).toEqual(Float32Array.from([1, 2, 3, 4, 5, 6]));
  });

  it('rejects bad input', () => {
    expect(() => new FeatureCollector().update({ feats: [taps(3, 5, 3, 1)], labels: [0, 1] })).toThrow(/3 integer labels/);
    const nan = taps(3, 5, 3, 1);
    nan.data[15] = NaN; // image 1, token 0
    expect(() => new FeatureCollector().update({ feats: [nan], labels: [0, 1, 2] })).toThrow(/NaN in image 1/);
    expect(() => new FeatureCollector({ tokens: 'cls', prefix: 0 }).update(batch(2, 1))).toThrow(/no CLS/);
  });
});

describeAccumulator('FeatureCollector', {
  make: () => new FeatureCollector({ tokens: 'mean' }),
  fromJSON: (j) => FeatureCollector.fromJSON(j),
  batches: () => [batch(4, 1), batch(3, 2), batch(5, 3), batch(2, 4)],
  badBatch: () => ({ feats: [taps(2, 5, 6, 1), taps(2, 5, 4, 2)], labels: [0, 0] }),
  // merge appends shard b after shard a; compare as sorted multisets of rows (order is by shard)
  numbers: (r) => r.features.flatMap((f) => {
    const [n, d] = f.shape;
    return Array.from({ length: n }, (_, i) => Array.from(f.data.subarray(i * d, (i + 1) * d))).sort((x, y) => x[0] - y[0]).flat();
  }).concat([...r.labels].sort()),
  tolerance: 0,
});
