import { describe, expect, it } from 'vitest';
import { tensor } from '@vit/io';
import { clusterMetrics } from './clusterMetrics.js';
import { gaussianLike } from './gaussianLike.js';
import { Prng } from '@vit/io';

function planted(k: number, per: number, d: number, seed: number) {
  const r = new Prng(seed);
  const centres = Array.from({ length: k * d }, () => 30 * r.normal());
  const truth = Int32Array.from({ length: k * per }, (_, i) => i % k);
  const X = tensor(Float32Array.from({ length: k * per * d }, (_, i) => centres[truth[Math.floor(i / d)] * d + (i % d)] + r.normal()), [k * per, d]);
  return { X, truth };
}

describe('clusterMetrics', () => {
  it('k defaults to the number of distinct labels; planted clusters score 1, noise scores low', async () => {
    const { X, truth } = planted(4, 20, 6, 1);
    const r = await clusterMetrics(X, truth, { seed: 2 });
    expect(r.k).toBe(4);
    expect([r.purity, r.nmi, r.ari]).toBeDeepCloseTo([1, 1, 1], 1e-12);
    const noise = await clusterMetrics(gaussianLike(X, { seed: 3 }), truth, { seed: 2 });
    expect(noise.ari).toBeLessThan(0.2);
    expect(noise.nmi).toBeLessThan(0.3);
  });
  it('rejects labels that do not match the rows', async () => {
    const { X } = planted(2, 5, 3, 1);
    await expect(clusterMetrics(X, Int32Array.from([0, 1]))).rejects.toThrow(/X has 10 rows, truth has 2/);
  });
});
