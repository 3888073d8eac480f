import { describe, expect, it } from 'vitest';
import { Prng, referenceBackend, tensor } from '@vit/io';
import type { Tensor } from '@vit/io';
import { describeAccumulator } from '@vit/test-utils';
import { ClusteringAccumulator } from './ClusteringAccumulator.js';
import { clusterMetrics } from './clusterMetrics.js';
import { FeatureCollector } from './FeatureCollector.js';
import type { FeatureInput } from './FeatureCollector.js';

/**
 * A Capture-shaped batch with planted structure: layer 1's CLS token is its image's class
 * centre plus small noise (perfectly clusterable); layer 2's CLS token is pure noise.
 */
function batch(B: number, seed: number, k = 3, D = 4): FeatureInput & { meta: { labels: string[] } } {
  const centres = new Prng(99);
  const c = Array.from({ length: k * D }, () => 20 * centres.normal());
  const r = new Prng(seed);
  const labels = Array.from({ length: B }, () => r.int(k));
  const T = 5;
  const l1 = new Float32Array(B * T * D);
  const l2 = new Float32Array(B * T * D);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++)
      for (let j = 0; j < D; j++) {
        l1[(b * T + t) * D + j] = (t === 0 ? c[labels[b] * D + j] : 0) + 0.1 * r.normal();
        l2[(b * T + t) * D + j] = r.normal();
      }
  return {
    taps: { block: [tensor(l1, [B, T, D]), tensor(l2, [B, T, D])] as Tensor[] },
    grid: { gh: 2, gw: 2, prefix: 1 },
    meta: { labels: labels.map((x) => `class-${x}`) },
  };
}

describe('ClusteringAccumulator', () => {
  it('scores planted clusters 1 on the structured layer and low on the noise layer; [L] tensors', async () => {
    const acc = new ClusteringAccumulator({ tokens: 'cls', seed: 1, nInit: 3 });
    for (let i = 0; i < 4; i++) acc.update(batch(15, i + 1));
    const r = await acc.result();
    expect(r.layers).toEqual([1, 2]);
    expect(r.k).toBe(3); // the distinct labels seen
    expect(r.rows).toBe(60);
    expect(r.nmi.shape).toEqual([2]);
    expect([r.purity.get(0), r.nmi.get(0), r.ari.get(0)]).toBeDeepCloseTo([1, 1, 1], 1e-6);
    expect(r.ari.get(1)).toBeLessThan(0.2);
  });

  it('equals clusterMetrics on the collected features of each layer sorted by content (same seed and backend), tolerance 1e-6', async () => {
    const bs = [batch(12, 5), batch(9, 6)];
    const acc = new ClusteringAccumulator({ tokens: 'mean', k: 4, seed: 3, nInit: 2, backend: referenceBackend });
    const col = new FeatureCollector({ tokens: 'mean' });
    for (const b of bs) {
      acc.update(b);
      col.update(b);
    }
    const r = await acc.result();
    const { features, labels } = col.result();
    for (let l = 0; l < 2; l++) {
      const [n, d] = features[l].shape;
      const rows = Array.from({ length: n }, (_, i) => ({ x: Array.from(features[l].data.subarray(i * d, (i + 1) * d)), y: labels[i] }));
      rows.sort((a, b) => a.x.findIndex((v, j) => v !== b.x[j]) >= 0 ? a.x[a.x.findIndex((v, j) => v !== b.x[j])] - b.x[a.x.findIndex((v, j) => v !== b.x[j])] : 0);
      const X = tensor(Float32Array.from(rows.flatMap((r) => r.x)), [n, d]);
      const want = await clusterMetrics(X, Int32Array.from(rows, (r) => r.y), { k: 4, seed: 3, nInit: 2, backend: referenceBackend });
      expect([r.purity.get(l), r.nmi.get(l), r.ari.get(l), r.inertia.get(l)]).toBeDeepCloseTo([want.purity, want.nmi, want.ari, Math.fround(want.inertia)], 1e-6);
    }
  });

  it('rejects a bad k and reports an empty state', async () => {
    expect(() => new ClusteringAccumulator({ k: 0 })).toThrow('`k` of ClusteringAccumulator must be a positive integer. Got 0.');
    await expect(new ClusteringAccumulator().result()).rejects.toThrow(/no rows yet/);
    await expect(new ClusteringAccumulator({ k: 50 }).update(batch(4, 1)).result()).rejects.toThrow(/at most the number of rows n = 4/);
  });
});

describeAccumulator('ClusteringAccumulator', {
  make: () => new ClusteringAccumulator({ tokens: 'cls', k: 3, nInit: 2, seed: 4 }),
  fromJSON: (j, o) => ClusteringAccumulator.fromJSON(j, o),
  // shards merge by appending rows; k-means sees them in content order, so any shard order gives the same numbers
  batches: () => [batch(6, 1), batch(5, 2), batch(7, 3), batch(4, 4)],
  badBatch: () => batch(3, 9, 3, 6),
  numbers: (r) => [...r.purity.data, ...r.nmi.data, ...r.ari.data, r.rows],
  tolerance: 1e-5,
});
