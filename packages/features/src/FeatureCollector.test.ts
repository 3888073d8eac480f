import { describe, expect, it } from 'vitest';
import { Prng, tensor } from '@vit/io';
import type { Tensor } from '@vit/io';
import { describeAccumulator } from '@vit/test-utils';
import { FeatureCollector } from './FeatureCollector.js';
import type { FeatureInput } from './FeatureCollector.js';
import { maskPool } from './maskPool.js';

function taps(B: number, T: number, D: number, seed: number): Tensor {
  const r = new Prng(seed);
  return tensor(Float32Array.from({ length: B * T * D }, () => r.normal()), [B, T, D]);
}
/** A Capture-shaped batch: two layers of `[B,5,·]` block taps (prefix 1, 2×2 grid), integer labels. */
const batch = (B: number, seed: number): FeatureInput & { taps: { block: Tensor[] }; meta: { labels: number[] } } => ({
  taps: { block: [taps(B, 5, 3, seed), taps(B, 5, 4, seed + 1)] },
  grid: { gh: 2, gw: 2, prefix: 1 },
  meta: { labels: Array.from({ length: B }, (_, i) => (i + seed) % 3) },
});
const labelsOf = (r: { labels: Int32Array; classes: (string | number)[] }) => Array.from(r.labels, (c) => r.classes[c]);

describe('FeatureCollector', () => {
  it("'cls' keeps token 0, 'mean' averages the spatial tokens, per layer [N,D]; a Capture is the input", () => {
    const b1 = batch(3, 1);
    const b2 = batch(2, 9);
    const cls = new FeatureCollector({ tokens: 'cls' }).update(b1).update(b2).result();
    const mean = new FeatureCollector({ tokens: 'mean' }).update(b1).update(b2).result();
    expect(cls.layers).toEqual([1, 2]);
    expect(cls.features.map((f) => f.shape)).toEqual([[5, 3], [5, 4]]);
    expect(labelsOf(cls)).toEqual([...b1.meta.labels, ...b2.meta.labels]);
    const imgs = [0, 1, 2].map((i) => [b1, i] as const).concat([0, 1].map((i) => [b2, i] as const));
    imgs.forEach(([b, i], row) => {
      for (let j = 0; j < 4; j++) {
        expect(cls.features[1].get(row, j)).toBeDeepCloseTo(b.taps.block[1].get(i, 0, j), 0);
        const m = (b.taps.block[1].get(i, 1, j) + b.taps.block[1].get(i, 2, j) + b.taps.block[1].get(i, 3, j) + b.taps.block[1].get(i, 4, j)) / 4;
        expect(mean.features[1].get(row, j)).toBeDeepCloseTo(m, 1e-6);
      }
    });
  });

  it("'spatial' keeps every spatial token (image label repeated), 'all' flattens T·D; [B,D] rows are used as they are", () => {
    const b = batch(2, 4);
    const sp = new FeatureCollector({ tokens: 'spatial' }).update(b).result();
    expect(sp.features[0].shape).toEqual([8, 3]);
    expect(labelsOf(sp)).toEqual([b.meta.labels[0], b.meta.labels[0], b.meta.labels[0], b.meta.labels[0], b.meta.labels[1], b.meta.labels[1], b.meta.labels[1], b.meta.labels[1]]);
    expect(sp.features[0].get(5, 2)).toBe(b.taps.block[0].get(1, 2, 2)); // image 1, spatial token 1 = token 2
    const all = new FeatureCollector({ tokens: 'all' }).update(b).result();
    expect(all.features[1].shape).toEqual([2, 20]);
    expect(Array.from(all.features[1].data)).toEqual(Array.from(b.taps.block[1].data));
    const rows = tensor(Float32Array.from([1, 2, 3, 4, 5, 6]), [3, 2]);
    const r = new FeatureCollector().update({ taps: { block: [rows] }, meta: { labels: [0, 1, 1] } }).result();
    expect(r.features[0].data).toEqual(Float32Array.from([1, 2, 3, 4, 5, 6]));
  });

  it("'masks' pools every annotated mask (object/part level) exactly as maskPool, labelled by the mask; string labels", () => {
    const b = batch(2, 7);
    const m = (cells: number[]) => tensor(Uint8Array.from([0, 1, 2, 3].map((c) => (cells.includes(c) ? 1 : 0))), [2, 2]);
    const masks = [
      [{ mask: m([0, 1]), label: 'dog' }, { mask: m([]), label: 'cat' }],
      [{ mask: m([3]), label: 'cat' }, { mask: m([0, 2, 3]), label: 'dog' }],
    ];
    const col = new FeatureCollector({ tokens: 'masks' }).update({ ...b, masks });
    const r = col.result();
    expect(r.features[0].shape).toEqual([3, 3]); // the empty mask is skipped
    expect(labelsOf(r)).toEqual(['dog', 'cat', 'dog']);
    expect(r.classes).toEqual(['dog', 'cat']);
    const spatial = (img: number, l: number) => {
      const t = b.taps.block[l];
      const D = t.shape[2];
      return tensor(Float32Array.from({ length: 4 * D }, (_, i) => t.get(img, 1 + Math.floor(i / D), i % D)), [2, 2, D]);
    };
    const want = [maskPool(spatial(0, 1), m([0, 1])), maskPool(spatial(1, 1), m([3])), maskPool(spatial(1, 1), m([0, 2, 3]))];
    want.forEach((w, row) => expect(Array.from(r.features[1].data.subarray(row * 4, row * 4 + 4))).toBeDeepCloseTo(Array.from(w.data), 1e-6));
  });

  it('accepts string labels (coded by first appearance; merge re-codes the other shard)', () => {
    const a = new FeatureCollector().update({ ...batch(2, 1), meta: { labels: ['n01440764', 'n02102040'] } });
    const b = new FeatureCollector().update({ ...batch(2, 2), meta: { labels: ['n02102040', 'n03000684'] } });
    const r = a.merge(b).result();
    expect(r.classes).toEqual(['n01440764', 'n02102040', 'n03000684']);
    expect(Array.from(r.labels)).toEqual([0, 1, 1, 2]);
    expect(labelsOf(FeatureCollector.fromJSON(JSON.parse(JSON.stringify(a.toJSON()))).result())).toEqual(['n01440764', 'n02102040', 'n02102040', 'n03000684']);
  });

  it('rejects bad input with a message that says what is wrong', () => {
    expect(() => new FeatureCollector().update({ ...batch(3, 1), meta: { labels: [0, 1] } })).toThrow('`input.meta.labels` of FeatureCollector.update must hold 3 labels (one per image). Got length 2.');
    expect(() => new FeatureCollector().update({ ...batch(2, 1), meta: { labels: [0, undefined] } })).toThrow(
      /`input.meta.labels\[1\]` of FeatureCollector.update must be an integer or a non-empty string. Got undefined; stream images as \{ path, label \}/,
    );
    expect(() => new FeatureCollector().update({ ...batch(2, 1), meta: { labels: [0.5, 1] } })).toThrow(/must be an integer or a non-empty string. Got 0.5/);
    const nan = taps(3, 5, 3, 1);
    nan.data[15] = NaN; // image 1, token 0
    expect(() => new FeatureCollector().update({ taps: { block: [nan] }, meta: { labels: [0, 1, 2] } })).toThrow(/NaN in image 1/);
    expect(() => new FeatureCollector({ tokens: 'cls', prefix: 0 }).update(batch(2, 1))).toThrow(/no CLS/);
    expect(() => new FeatureCollector({ tap: 'attnBranch' }).update(batch(2, 1))).toThrow(/`input.taps.attnBranch` of FeatureCollector.update must be a non-empty array/);
    expect(() => new FeatureCollector({ tokens: 'masks' }).update(batch(2, 1))).toThrow(/`input.masks` of FeatureCollector.update must hold one list/);
    // @ts-expect-error a mode that is not in the vocabulary
    expect(() => new FeatureCollector({ tokens: 'pooled' })).toThrow(/`tokens` of FeatureCollector must be one of 'cls', 'mean', 'spatial', 'all', 'masks'/);
  });
});

describeAccumulator('FeatureCollector', {
  make: () => new FeatureCollector({ tokens: 'mean' }),
  fromJSON: (j, o) => FeatureCollector.fromJSON(j, o),
  batches: () => [batch(4, 1), batch(3, 2), batch(5, 3), batch(2, 4)],
  badBatch: () => ({ taps: { block: [taps(2, 5, 6, 1), taps(2, 5, 4, 2)] }, meta: { labels: [0, 0] } }),
  // merge appends shard b after shard a; compare as sorted multisets of (row, label)
  numbers: (r) => {
    const rows = r.labels.length;
    return Array.from({ length: rows }, (_, i) => [...r.features.flatMap((f) => Array.from(f.data.subarray(i * f.shape[1], (i + 1) * f.shape[1]))), r.classes[r.labels[i]] as number])
      .sort((x, y) => x[0] - y[0])
      .flat();
  },
  tolerance: 0,
});
