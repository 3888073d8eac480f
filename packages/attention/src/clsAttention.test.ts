import { describe, expect, it } from 'vitest';
import { tensor } from '@vit/io';
import { clsAttention } from './clsAttention.js';
import { clsPrefixMass } from './clsPrefixMass.js';
import { randomAttention, refCls, toArray } from '../test/helpers.js';

// Grid 1×2 with CLS; rows: CLS [0.1, 0.3, 0.6], q0 [0.2, 0.2, 0.6], q1 [0.5, 0.25, 0.25].
const hand = tensor(new Float32Array([0.1, 0.3, 0.6, 0.2, 0.2, 0.6, 0.5, 0.25, 0.25]), [1, 1, 3, 3]);
const handGrid = { gh: 1, gw: 2, prefix: 1 };

describe('clsAttention', () => {
  it('matches hand-computed maps for the three variants', () => {
    expect(toArray(clsAttention(hand, handGrid))).toBeDeepCloseTo([0.3, 0.6], 1e-6);
    // mean of raw spatial rows [0.2, 0.6] and [0.25, 0.25]
    expect(toArray(clsAttention(hand, handGrid, { source: 'spatial' }))).toBeDeepCloseTo([0.225, 0.425], 1e-6);
    // mean of renormalised rows [0.25, 0.75] and [0.5, 0.5]
    expect(toArray(clsAttention(hand, handGrid, { source: 'spatialPure' }))).toBeDeepCloseTo([0.375, 0.625], 1e-6);
    expect(clsAttention(hand, handGrid).shape).toEqual([1, 1, 2]);
  });

  it('keeps the prefix mass: hand case and map + prefix = 1', () => {
    expect(toArray(clsPrefixMass(hand, handGrid))).toBeDeepCloseTo([0.1], 1e-6);
    expect(toArray(clsPrefixMass(hand, handGrid, { source: 'spatial' }))).toBeDeepCloseTo([0.35], 1e-6);
    const grid = { gh: 3, gw: 4, prefix: 5 };
    const att = randomAttention(2, 3, grid, 4);
    const maps = toArray(clsAttention(att, grid));
    const kept = toArray(clsPrefixMass(att, grid));
    for (let h = 0; h < 3; h++) expect(maps.slice(h * 12, h * 12 + 12).reduce((a, b) => a + b, 0) + kept[h]).toBeCloseTo(1, 5);
  });

  it.each([
    ['4×4, CLS', { gh: 4, gw: 4, prefix: 1 }],
    ['3×5, CLS + 4 registers', { gh: 3, gw: 5, prefix: 5 }],
  ])('equals the slow reference on random attention (%s), tolerance 1e-6', (_, grid) => {
    const att = randomAttention(3, 4, grid, 11);
    for (const source of ['cls', 'spatial', 'spatialPure'] as const) {
      const got = clsAttention(att, grid, { source });
      expect(got.shape).toEqual([4, grid.gh, grid.gw]);
      expect(toArray(got)).toBeDeepCloseTo(refCls(att, grid, source).flat(), 1e-6);
    }
  });

  it('spatialPure skips null rows; spatial variants work without CLS', () => {
    const grid = { gh: 2, gw: 2, prefix: 1 };
    const att = randomAttention(2, 1, grid, 2);
    for (let k = 0; k < 5; k++) att.set(1, 0, 3, k, k === 0 ? 1 : 0);
    expect(toArray(clsAttention(att, grid, { source: 'spatialPure' }))).toBeDeepCloseTo(refCls(att, grid, 'spatialPure').flat(), 1e-6);
    const g0 = { gh: 2, gw: 3, prefix: 0 };
    const a0 = randomAttention(2, 2, g0, 9);
    expect(toArray(clsAttention(a0, g0, { source: 'spatial' }))).toBeDeepCloseTo(refCls(a0, g0, 'spatial').flat(), 1e-6);
  });

  it('refuses the CLS source without a CLS token, and bad variants', () => {
    const g0 = { gh: 2, gw: 2, prefix: 0 };
    const a0 = randomAttention(1, 1, g0, 1);
    expect(() => clsAttention(a0, g0)).toThrow(/`grid.prefix` of clsAttention must be ≥ 1: the CLS token is prefix token 0. Got 0/);
    expect(() => clsPrefixMass(a0, g0)).toThrow(/`grid.prefix` of clsPrefixMass must be ≥ 1/);
    // @ts-expect-error wrong literal on purpose
    expect(() => clsAttention(hand, handGrid, { source: 'avg' })).toThrow("`source` of clsAttention must be 'cls', 'spatial' or 'spatialPure'. Got \"avg\".");
  });

  it('names layer and head for a NaN in the CLS row', () => {
    const grid = { gh: 2, gw: 2, prefix: 1 };
    const att = randomAttention(1, 2, grid, 1);
    att.set(0, 1, 0, 3, NaN);
    expect(() => clsAttention(att, grid, { layer: 4 })).toThrow(/contains NaN in layer 4, head 2 \(image 1, query row 1\)/);
  });
});
