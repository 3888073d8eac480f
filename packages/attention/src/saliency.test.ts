import { describe, expect, it } from 'vitest';
import { tensor } from '@vit/io';
import { maskIoU } from './maskIoU.js';
import { saliencyIoU } from './saliencyIoU.js';
import { saliencyMask } from './saliencyMask.js';
import { randomAttention, refMask, refSaliency, rng, toArray } from '../test/helpers.js';

const m = (xs: number[], gh: number, gw: number) => tensor(Float32Array.from(xs), [gh, gw]);

describe('saliencyMask', () => {
  it('keeps tokens in decreasing order until 60% of the mass (hand cases)', () => {
    expect(Array.from(saliencyMask(m([0.5, 0.3, 0.1, 0.1], 2, 2)))).toEqual([1, 1, 0, 0]);
    // unnormalised input: 5 + 1 of 10 = 0.6 reached exactly at the second token
    expect(Array.from(saliencyMask(m([1, 5, 2, 2], 2, 2)))).toEqual([0, 1, 1, 0]);
    expect(Array.from(saliencyMask(m([0.7, 0.1, 0.1, 0.1], 1, 4)))).toEqual([1, 0, 0, 0]);
    expect(Array.from(saliencyMask(m([0.7, 0.1, 0.1, 0.1], 1, 4), { mass: 0.8 }))).toEqual([1, 1, 0, 0]);
  });

  it('breaks ties by token index and reaches an exact 0.6 despite rounding', () => {
    // five equal tokens: 3 × 0.2 = 0.6 → the first three by index
    expect(Array.from(saliencyMask(m([0.2, 0.2, 0.2, 0.2, 0.2], 1, 5)))).toEqual([1, 1, 1, 0, 0]);
    expect(Array.from(saliencyMask(m([0.1, 0.3, 0.3, 0.3], 2, 2)))).toEqual([0, 1, 1, 0]);
  });

  it('equals the comparator-sort reference on random maps', () => {
    const r = rng(3);
    for (let t = 0; t < 50; t++) {
      const xs = Array.from({ length: 35 }, () => Math.floor(r() * 6) / 5); // many ties
      if (xs.every((x) => x === 0)) continue;
      const f = Float32Array.from(xs);
      expect(Array.from(saliencyMask(tensor(f, [5, 7]), { mass: 0.6 }))).toEqual(Array.from(refMask(Array.from(f), 0.6)));
    }
  });

  it('equals the reference on continuous 14×14 maps at several masses (peaked, flat, sparse)', () => {
    const r = rng(12);
    for (let t = 0; t < 120; t++) {
      const p = [1, 4, 12][t % 3];
      const xs = Float32Array.from({ length: 196 }, () => (r() < 0.1 * (t % 4) ? 0 : r() ** p));
      for (const mass of [0.3, 0.6, 0.95, 1]) {
        expect(Array.from(saliencyMask(tensor(xs, [14, 14]), { mass: mass }))).toEqual(Array.from(refMask(Array.from(xs), mass)));
      }
    }
  });

  it('rejects bad maps and mass', () => {
    expect(() => saliencyMask(m([0, 0], 1, 2))).toThrow('`map` of saliencyMask must have a positive sum. Got 0.');
    expect(() => saliencyMask(m([1, -1], 1, 2))).toThrow(/must be finite and ≥ 0. Got -1 at \[0,1\]/);
    expect(() => saliencyMask(m([1, 1], 1, 2), { mass: 1.5 })).toThrow('`mass` of saliencyMask must be a number in (0, 1]. Got 1.5.');
  });
});

describe('maskIoU', () => {
  it('computes |a∧b|/|a∨b| (hand cases)', () => {
    expect(maskIoU(Uint8Array.of(1, 1, 0), Uint8Array.of(0, 1, 1))).toBeCloseTo(1 / 3, 12);
    expect(maskIoU([1, 0, 0, 1], [1, 0, 0, 1])).toBe(1);
    expect(maskIoU([0, 0], [0, 0])).toBe(1);
    expect(maskIoU([1, 0], [0, 1])).toBe(0);
    expect(() => maskIoU([1], [1, 0])).toThrow('`b` of maskIoU must have the length of `a` (1). Got 2.');
  });
});

describe('saliencyIoU', () => {
  it('matches a hand case (2×2 grid, CLS source)', () => {
    // CLS row over spatial: [0.4, 0.3, 0.1, 0.1] (+0.1 prefix) → mask {0, 1}; gt {1, 3} → IoU 1/3
    const T = 5;
    const data = new Float32Array(T * T).fill(0.2);
    data.set([0.1, 0.4, 0.3, 0.1, 0.1], 0);
    const att = tensor(data, [1, 1, T, T]);
    const gt = tensor(Uint8Array.of(0, 1, 0, 1), [1, 2, 2]);
    expect(toArray(saliencyIoU(att, { gh: 2, gw: 2, prefix: 1 }, gt))).toBeDeepCloseTo([1 / 3], 1e-6);
  });

  it.each([
    ['cls', { gh: 4, gw: 5, prefix: 1 }],
    ['spatial', { gh: 4, gw: 5, prefix: 1 }],
    ['cls', { gh: 3, gw: 3, prefix: 4 }],
    ['spatial', { gh: 3, gw: 4, prefix: 0 }],
  ] as const)('equals the slow reference (source %s, grid %o); empty gt skipped as NaN', (source, grid) => {
    const B = 5;
    const att = randomAttention(B, 3, grid, 17, 6);
    const r = rng(8);
    const N = grid.gh * grid.gw;
    const g = new Float32Array(B * N).map(() => (r() < 0.4 ? r() : 0)); // area fractions
    g.fill(0, 2 * N, 3 * N); // image 3: empty ground truth
    const gt = tensor(g, [B, grid.gh, grid.gw]);
    const ref = refSaliency(att, gt, grid, source);
    const each = saliencyIoU(att, grid, gt, { source });
    expect(each.shape).toEqual([B, 3]);
    expect(toArray(each)).toBeDeepCloseTo(ref.each.flat(), 1e-6);
    expect(toArray(each).slice(6, 9).every(Number.isNaN)).toBe(true);
    const merged = saliencyIoU(att, grid, gt, { source, heads: 'merged' });
    expect(merged.shape).toEqual([B, 1]);
    expect(toArray(merged)).toBeDeepCloseTo(ref.merged, 1e-6);
  });

  it('checks masks shape, prefix for cls, and source', () => {
    const grid = { gh: 2, gw: 2, prefix: 1 };
    const att = randomAttention(2, 1, grid, 1);
    expect(() => saliencyIoU(att, grid, tensor(new Uint8Array(8), [2, 4]))).toThrow('`masks` of saliencyIoU must have shape [B,gh,gw] = [2,2,2]. Got [2,4].');
    const g0 = { gh: 2, gw: 2, prefix: 0 };
    expect(() => saliencyIoU(randomAttention(2, 1, g0, 1), g0, tensor(new Uint8Array(8), [2, 2, 2]))).toThrow(/`grid.prefix` of saliencyIoU must be ≥ 1.*use source 'spatial'/);
    // @ts-expect-error wrong literal on purpose
    expect(() => saliencyIoU(att, grid, tensor(new Uint8Array(8), [2, 2, 2]), { source: 'mean' })).toThrow("`source` of saliencyIoU must be 'cls' or 'spatial'. Got \"mean\".");
    // @ts-expect-error wrong literal on purpose
    expect(() => saliencyIoU(att, grid, tensor(new Uint8Array(8), [2, 2, 2]), { heads: 'all' })).toThrow("`heads` of saliencyIoU must be 'each' or 'merged'. Got \"all\".");
  });
});
