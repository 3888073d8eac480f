import { describe, expect, it, vi } from 'vitest';
import { tensor, type Tensor } from '@vit/io';
import { describeAccumulator } from '@vit/test-utils';
import { AAAMAccumulator } from './AAAMAccumulator.js';
import { AttentionDistanceAccumulator } from './AttentionDistanceAccumulator.js';
import { AverageCLSAccumulator } from './AverageCLSAccumulator.js';
import { SaliencyIoUAccumulator, type SaliencyBatch } from './SaliencyIoUAccumulator.js';
import { AttentionSuiteAccumulator } from './AttentionSuiteAccumulator.js';
import { alignedAttention } from './alignedAttention.js';
import { attentionDistance } from './attentionDistance.js';
import { clsAttention } from './clsAttention.js';
import { clsPrefixMass } from './clsPrefixMass.js';
import { saliencyIoU } from './saliencyIoU.js';
import type { AttentionBatch } from './internal/base.js';
import { randomAttention, rng, toArray } from '../test/helpers.js';

const grid = { gh: 3, gw: 4, prefix: 2 }; // non-square, CLS + 1 register
const L = 2;
const H = 3;
const N = 12;
const T = 14;

/** A batch of `B` images, layers with different seeds; image 0 of layer 2 has a null row. */
function batch(B: number, seed: number): AttentionBatch {
  const attention = Array.from({ length: L }, (_, l) => randomAttention(B, H, grid, seed * 10 + l, 4));
  for (let k = 0; k < T; k++) attention[1].set(0, 1, 5, k, k < 2 ? 0.5 : 0);
  return { attention, grid };
}
function gt(B: number, seed: number, emptyFirst = false): Tensor<Uint8Array> {
  const r = rng(seed);
  const g = new Uint8Array(B * N).map(() => (r() < 0.4 ? 1 : 0));
  if (emptyFirst) g.fill(0, 0, N);
  return tensor(g, [B, grid.gh, grid.gw]);
}
const batches = () => [batch(2, 1), batch(3, 2), batch(1, 3), batch(2, 4)];
const sBatches = (): SaliencyBatch[] => batches().map((b, i) => ({ ...b, masks: gt(b.attention[0].shape[0], 50 + i, i === 1) }));
const badBatch = (): AttentionBatch => ({ attention: [randomAttention(2, H, { gh: 4, gw: 3, prefix: 2 }, 1)], grid: { gh: 4, gw: 3, prefix: 2 } });

/** Concatenates layer `l` of several batches along B. */
function concat(bs: AttentionBatch[], l: number): Tensor {
  const parts = bs.map((b) => b.attention[l]);
  const Btot = parts.reduce((s, p) => s + p.shape[0], 0);
  const out = new Float32Array(Btot * H * T * T);
  let o = 0;
  for (const p of parts) {
    out.set(p.data as Float32Array, o);
    o += p.size;
  }
  return tensor(out, [Btot, H, T, T]);
}
const nums = (...ts: (Tensor<Float32Array | Int32Array> | null | number[])[]) => ts.flatMap((t) => (t === null ? [] : Array.isArray(t) ? t : toArray(t as Tensor)));

describeAccumulator('AverageCLSAccumulator', {
  make: () => new AverageCLSAccumulator({ source: 'spatialPure' }),
  fromJSON: (j, o) => AverageCLSAccumulator.fromJSON(j as never, o),
  batches,
  badBatch,
  numbers: (r) => nums(r.maps, r.prefixMass, r.rows),
});
describeAccumulator('AAAMAccumulator', {
  make: () => new AAAMAccumulator({ coverage: true }),
  fromJSON: (j, o) => AAAMAccumulator.fromJSON(j as never, o),
  batches,
  badBatch,
  numbers: (r) => nums(r.aaam, r.nonNull, r.nullRows),
});
describeAccumulator('AttentionDistanceAccumulator', {
  make: () => new AttentionDistanceAccumulator(),
  fromJSON: (j, o) => AttentionDistanceAccumulator.fromJSON(j as never, o),
  batches,
  badBatch,
  numbers: (r) => nums(r.perHead, r.perLayer, r.nullRows),
});
describeAccumulator('SaliencyIoUAccumulator', {
  make: () => new SaliencyIoUAccumulator({ source: 'spatial' }),
  fromJSON: (j, o) => SaliencyIoUAccumulator.fromJSON(j as never, o),
  batches: sBatches,
  badBatch: () => ({ ...badBatch(), masks: tensor(new Uint8Array(24), [2, 4, 3]) }),
  numbers: (r) => [...nums(r.perHead, r.fixedHead, r.fixed, r.oracle, r.merged), r.skipped, r.images],
});

describe('attention accumulators agree with the functional API on the concatenated batch (tolerance 1e-6)', () => {
  const bs = batches();

  it('AverageCLS: every source, maps and prefix mass', () => {
    for (const source of ['cls', 'spatial', 'spatialPure'] as const) {
      const acc = new AverageCLSAccumulator({ source });
      for (const b of bs) acc.update(b);
      const r = acc.result();
      expect(r.maps.shape).toEqual([L, H, 3, 4]);
      expect(r.images).toBe(8);
      for (let l = 0; l < L; l++) {
        expect(toArray(r.maps).slice(l * H * N, (l + 1) * H * N)).toBeDeepCloseTo(toArray(clsAttention(concat(bs, l), grid, { source })), 1e-6);
        expect(toArray(r.prefixMass).slice(l * H, (l + 1) * H)).toBeDeepCloseTo(toArray(clsPrefixMass(concat(bs, l), grid, { source })), 1e-6);
      }
    }
  });

  it('AAAM: with and without coverage; null rows counted', () => {
    for (const coverage of [false, true]) {
      const acc = new AAAMAccumulator({ coverage });
      for (const b of bs) acc.update(b);
      const r = acc.result();
      const W = 5 * 7;
      for (let l = 0; l < L; l++) {
        expect(toArray(r.aaam).slice(l * H * W, (l + 1) * H * W)).toBeDeepCloseTo(toArray(alignedAttention(concat(bs, l), grid, { coverage })), 1e-6);
      }
      // one null row per batch in layer 2, head 2
      expect(toArray(r.nullRows)).toEqual([0, 0, 0, 0, 4, 0]);
      expect(toArray(r.nonNull)).toEqual([96, 96, 96, 96, 92, 96]);
    }
  });

  it('AttentionDistance: per head = mean over images, layer = mean over heads, per image kept in order', () => {
    const acc = new AttentionDistanceAccumulator({ keepPerImage: true });
    for (const b of bs) acc.update(b);
    const r = acc.result();
    const per = [0, 1].map((l) => attentionDistance(concat(bs, l), grid));
    for (let l = 0; l < L; l++)
      for (let h = 0; h < H; h++) {
        let s = 0;
        for (let b = 0; b < 8; b++) s += per[l].get(b, h);
        expect(r.perHead.get(l, h)).toBeCloseTo(s / 8, 6);
      }
    expect(toArray(r.perLayer)).toBeDeepCloseTo([0, 1].map((l) => (r.perHead.get(l, 0) + r.perHead.get(l, 1) + r.perHead.get(l, 2)) / 3), 1e-6);
    expect(r.perImage!.shape).toEqual([8, L, H]);
    for (let b = 0; b < 8; b++) for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) expect(r.perImage!.get(b, l, h)).toBeCloseTo(per[l].get(b, h), 6);
    // sequential shards merge in order
    const a = new AttentionDistanceAccumulator({ keepPerImage: true }).update(bs[0]).update(bs[1]);
    const c = new AttentionDistanceAccumulator({ keepPerImage: true }).update(bs[2]).update(bs[3]);
    expect(toArray(a.merge(c).result().perImage!)).toBeDeepCloseTo(toArray(r.perImage!), 0);
  });

  it('SaliencyIoU: fixed best head, oracle (per-image max, then mean), merged map, skipped count', () => {
    const sb = sBatches();
    const acc = new SaliencyIoUAccumulator({ source: 'cls', keepPerImage: true });
    for (const b of sb) acc.update(b);
    const r = acc.result();
    expect(r.skipped).toBe(1);
    expect(r.images).toBe(8);
    const allGt = (() => {
      const out = new Uint8Array(8 * N);
      let o = 0;
      for (const b of sb) {
        out.set(b.masks.data as Uint8Array, o);
        o += b.masks.size;
      }
      return tensor(out, [8, 3, 4]);
    })();
    for (let l = 0; l < L; l++) {
      const each = saliencyIoU(concat(sb as AttentionBatch[], l), grid, allGt, { source: 'cls' });
      const merged = toArray(saliencyIoU(concat(sb as AttentionBatch[], l), grid, allGt, { source: 'cls', heads: 'merged' }));
      const imgs = [...Array(8).keys()].filter((b) => !Number.isNaN(merged[b]));
      expect(imgs.length).toBe(7);
      const mean = (f: (b: number) => number) => imgs.reduce((s, b) => s + f(b), 0) / imgs.length;
      const perHead = [0, 1, 2].map((h) => mean((b) => each.get(b, h)));
      const best = perHead.indexOf(Math.max(...perHead));
      expect(r.layers[l]).toBe(l + 1);
      expect([0, 1, 2].map((h) => r.perHead.get(l, h))).toBeDeepCloseTo(perHead, 1e-6);
      expect(r.fixedHead.get(l)).toBe(best);
      expect(r.fixed.get(l)).toBeCloseTo(perHead[best], 6);
      expect(r.oracle.get(l)).toBeCloseTo(mean((b) => Math.max(each.get(b, 0), each.get(b, 1), each.get(b, 2))), 6);
      expect(r.merged.get(l)).toBeCloseTo(mean((b) => merged[b]), 6);
      for (let b = 0; b < 8; b++) for (let h = 0; h < H; h++) expect(r.perImage!.get(b, l, h)).toBeDeepCloseTo(each.get(b, h), 1e-6);
    }
    // the skipped image travels through JSON as null and comes back as NaN
    const back = SaliencyIoUAccumulator.fromJSON(JSON.parse(JSON.stringify(acc.toJSON())));
    expect(toArray(back.result().perImage!)).toBeDeepCloseTo(toArray(r.perImage!), 0);
  });
});

describe('attention accumulators: input forms and bad input', () => {
  it('takes a runtime Capture ({ taps: { attention }, grid })', () => {
    const b = batch(2, 9);
    const a = new AAAMAccumulator().update({ taps: { attention: b.attention }, grid: { ...grid, patch: 16 } as typeof grid });
    expect(toArray(a.result().aaam)).toBeDeepCloseTo(toArray(new AAAMAccumulator().update(b).result().aaam), 0);
  });

  it('a NaN in a later layer throws naming layer and head and leaves the state untouched', () => {
    const acc = new AAAMAccumulator().update(batch(2, 1));
    const before = toArray(acc.result().aaam);
    const bad = batch(2, 2);
    bad.attention[1].set(1, 2, 4, 7, NaN);
    expect(() => acc.update(bad)).toThrow('`attention` of AAAM.update contains NaN in layer 2, head 3 (image 2, query row 5). Remove or repair non-finite values first.');
    expect(acc.seen).toBe(2);
    expect(toArray(acc.result().aaam)).toBeDeepCloseTo(before, 0);
  });

  it('warns once per accumulator, however many updates', () => {
    const onWarning = vi.fn();
    const acc = new AttentionDistanceAccumulator({ onWarning });
    for (let i = 0; i < 3; i++) {
      const b = batch(1, i);
      for (let k = 0; k < T; k++) b.attention[0].set(0, 0, 3, k, 0.2);
      acc.update(b);
    }
    expect(onWarning).toHaveBeenCalledTimes(1);
    expect(onWarning.mock.calls[0][0]).toMatch(/^`attention` of AttentionDistance.update: attention rows do not sum to 1 \(worst deviation 1.80 at layer 1, head 1/);
  });

  it('refuses CLS analyses without a CLS token, mismatched layers, shape changes and foreign merges', () => {
    const g0 = { gh: 2, gw: 2, prefix: 0 };
    expect(() => new AverageCLSAccumulator().update({ attention: [randomAttention(1, 1, g0, 1)], grid: g0 })).toThrow(/`grid.prefix` of AverageCLS.update must be ≥ 1/);
    expect(() => new SaliencyIoUAccumulator().update({ attention: [randomAttention(1, 1, g0, 1)], grid: g0, masks: tensor(new Uint8Array(4), [1, 2, 2]) })).toThrow(/`grid.prefix` of SaliencyIoU.update must be ≥ 1/);
    const b = batch(2, 1);
    expect(() => new AAAMAccumulator().update({ attention: [b.attention[0], randomAttention(2, 2, grid, 1)], grid })).toThrow(
      '`attention[1]` of AAAM.update must have the B and H of `attention[0]` ([2,3]). Got [2,2].',
    );
    const acc = new AAAMAccumulator().update(b);
    expect(() => acc.update({ attention: [b.attention[0]], grid })).toThrow(
      '`attention` of AAAM.update changed shape between updates: expected 2 layers × 3 heads on a 3×4 grid with prefix 2 as before. Got 1 layers × 3 heads on a 3×4 grid with prefix 2.',
    );
    expect(() => acc.merge(new AAAMAccumulator({ coverage: true }).update(b) as never)).toThrow(/`other` of AAAM.merge must have the same options/);
    expect(() => new AAAMAccumulator().update({ attention: [], grid })).toThrow(/`attention` of AAAM.update must be a non-empty array/);
    expect(() => AAAMAccumulator.fromJSON({ ...acc.toJSON(), version: 2 })).toThrow('`json` of AAAM.fromJSON has state version 2; this version reads 1.');
    expect(() => new AAAMAccumulator().result()).toThrow('AAAM.result() needs at least one update() first.');
  });
});

describeAccumulator('AttentionSuiteAccumulator', {
  make: () => new AttentionSuiteAccumulator({ cls: { source: 'spatial' }, aaam: { coverage: true }, saliency: { source: 'spatial' } }),
  fromJSON: (j, o) => AttentionSuiteAccumulator.fromJSON(j as never, o),
  batches: sBatches,
  badBatch: () => ({ ...badBatch(), masks: tensor(new Uint8Array(24), [2, 4, 3]) }),
  numbers: (r) => [
    ...nums(r.cls!.maps, r.cls!.prefixMass, r.aaam!.aaam, r.aaam!.nullRows, r.distance!.perHead, r.saliency!.perHead),
    ...nums(r.saliency!.oracle, r.saliency!.merged),
  ],
});

describe('AttentionSuiteAccumulator', () => {
  it('gives exactly what the separate accumulators give', () => {
    const sb = sBatches();
    for (const [clsVariant, source] of [
      ['cls', 'cls'],
      ['spatial', 'spatial'],
      ['spatialPure', 'cls'],
    ] as const) {
      const suite = new AttentionSuiteAccumulator({ cls: { source: clsVariant }, saliency: { source } });
      const cls = new AverageCLSAccumulator({ source: clsVariant });
      const aaam = new AAAMAccumulator();
      const dist = new AttentionDistanceAccumulator();
      const sal = new SaliencyIoUAccumulator({ source });
      for (const b of sb) {
        suite.update(b);
        cls.update(b);
        aaam.update(b);
        dist.update(b);
        sal.update(b);
      }
      const r = suite.result();
      expect(suite.seen).toBe(8);
      expect(nums(r.cls!.maps, r.cls!.prefixMass)).toBeDeepCloseTo(nums(cls.result().maps, cls.result().prefixMass), 0);
      expect(nums(r.aaam!.aaam, r.aaam!.nonNull)).toBeDeepCloseTo(nums(aaam.result().aaam, aaam.result().nonNull), 0);
      expect(nums(r.distance!.perHead, r.distance!.perLayer)).toBeDeepCloseTo(nums(dist.result().perHead, dist.result().perLayer), 0);
      expect(r.saliency!.layers).toEqual(sal.result().layers);
    }
  });

  it('stays unchanged when a spatial row is bad even if only CLS-row analyses read the CLS rows first', () => {
    const suite = new AttentionSuiteAccumulator({ cls: { source: 'spatial' }, aaam: false, distance: false, saliency: { source: 'cls' } });
    suite.update({ ...batch(2, 1), masks: gt(2, 1) });
    const before = JSON.stringify(suite.toJSON());
    const bad = batch(2, 2);
    bad.attention[0].set(1, 0, 9, 4, Infinity);
    expect(() => suite.update({ ...bad, masks: gt(2, 2) })).toThrow(/contains Infinity in layer 1, head 1 \(image 2, query row 10\)/);
    expect(JSON.stringify(suite.toJSON())).toBe(before);
  });

  it('runs only the analyses that are on, and checks everything before changing state', () => {
    const suite = new AttentionSuiteAccumulator({ cls: false, distance: false });
    const b = batch(2, 1);
    suite.update(b);
    expect(suite.result().cls).toBeNull();
    expect(suite.result().distance).toBeNull();
    expect(suite.result().saliency).toBeNull();
    const full = new AttentionSuiteAccumulator({ saliency: {} });
    full.update({ ...b, masks: gt(2, 1) });
    const before = JSON.stringify(full.toJSON());
    const bad = batch(2, 2);
    bad.attention[1].set(0, 0, 0, 3, NaN); // in a CLS row, which the spatial pass does not read
    expect(() => full.update({ ...bad, masks: gt(2, 2) })).toThrow(/`attention` of AttentionSuite.update contains NaN in layer 2, head 1 \(image 1, query row 1\)/);
    expect(() => full.update({ ...batch(2, 3), masks: tensor(new Uint8Array(5), [5]) })).toThrow(/`masks` of AttentionSuite.update must have shape/);
    expect(() => full.update(batch(2, 3))).toThrow('`masks` of AttentionSuite.update is required while saliency is on: token masks [B,gh,gw].');
    expect(JSON.stringify(full.toJSON())).toBe(before);
    const g0 = { gh: 2, gw: 2, prefix: 0 };
    expect(() => new AttentionSuiteAccumulator().update({ attention: [randomAttention(1, 1, g0, 1)], grid: g0 })).toThrow(/turn the CLS analyses off/);
    expect(new AttentionSuiteAccumulator({ cls: false }).update({ attention: [randomAttention(1, 1, g0, 1)], grid: g0 }).seen).toBe(1);
    expect(() => new AttentionSuiteAccumulator({ cls: false, aaam: false, distance: false })).toThrow(/at least one analysis on/);
  });
});
