import { describe, expect, it } from 'vitest';
import { tensor, type Tensor } from '@vit/io';
import { alignedAttention } from './alignedAttention.js';
import { attentionDistance } from './attentionDistance.js';
import { classifyHeads } from './classifyHeads.js';
import { describeHeads } from './describeHeads.js';
import { plantedAttention, type Plant } from '../test/helpers.js';

const kinds: Plant[] = ['self', 'right', 'soft', 'row', 'uniform'];
const expected = ['strict-local', 'offset-local', 'soft-local', 'axial-local', 'global'];

/** Stacks per-layer AAAMs and the batch-mean distances into [L,H,…] and [L,H]. */
function stack(atts: Tensor[], grid: { gh: number; gw: number; prefix: number }) {
  const aaams = atts.map((a) => alignedAttention(a, grid));
  const dists = atts.map((a) => attentionDistance(a, grid));
  const [H, Wh, Ww] = aaams[0].shape;
  const A = new Float32Array(atts.length * H * Wh * Ww);
  aaams.forEach((t, l) => A.set(t.data as Float32Array, l * H * Wh * Ww));
  const D = new Float32Array(atts.length * H);
  dists.forEach((t, l) => {
    const B = t.shape[0];
    for (let h = 0; h < H; h++) {
      let s = 0;
      for (let b = 0; b < B; b++) s += t.get(b, h);
      D[l * H + h] = s / B;
    }
  });
  return { aaam: tensor(A, [atts.length, H, Wh, Ww]), distance: tensor(D, [atts.length, H]) };
}

describe('classifyHeads', () => {
  it.each([
    ['6×7, null border rows', { gh: 6, gw: 7, prefix: 1 }, true],
    ['14×14, cut neighbourhoods renormalised', { gh: 14, gw: 14, prefix: 1 }, false],
    ['5×9 with 4 registers', { gh: 5, gw: 9, prefix: 5 }, false],
  ])('recovers every planted head exactly (%s)', (_, grid, nullEdges) => {
    const { aaam, distance } = stack([plantedAttention(kinds, grid, 1, nullEdges)], grid);
    const got = classifyHeads(aaam, distance);
    expect(got.map((c) => c.class)).toEqual(expected);
    expect(got.map((c) => [c.layer, c.head])).toEqual(kinds.map((_, h) => [1, h]));
    expect(got[1].offset).toEqual({ dx: 1, dy: 0 });
    expect(got.filter((c) => c.class !== 'offset-local').every((c) => c.offset === null)).toBe(true);
  });

  it('classifies smooth (Gaussian) heads too: soft blob, offset blob two rows up, long horizontal streak', () => {
    const grid = { gh: 14, gw: 14, prefix: 1 };
    const T = 197;
    const profiles = [
      (di: number, dj: number) => Math.exp(-(di * di + dj * dj) / (2 * 0.8 ** 2)),
      (di: number, dj: number) => Math.exp(-((di + 2) ** 2 + dj * dj) / 2),
      (di: number, dj: number) => Math.exp(-(di * di) / (2 * 0.3 ** 2) - (dj * dj) / (2 * 4 ** 2)),
    ];
    const att = tensor(new Float32Array(3 * T * T), [1, 3, T, T]);
    profiles.forEach((f, h) => {
      for (let k = 0; k < T; k++) att.set(0, h, 0, k, 1 / T);
      for (let q = 0; q < 196; q++) {
        const w = Array.from({ length: 196 }, (_, k) => f(Math.floor(k / 14) - Math.floor(q / 14), (k % 14) - (q % 14)));
        const s = w.reduce((x, y) => x + y, 0);
        w.forEach((x, k) => att.set(0, h, 1 + q, 1 + k, x / s));
      }
    });
    const { aaam, distance } = stack([att], grid);
    const got = classifyHeads(aaam, distance);
    expect(got.map((c) => c.class)).toEqual(['soft-local', 'offset-local', 'axial-local']);
    expect(got[1].offset).toEqual({ dx: 0, dy: -2 });
  });

  it('reports the evidence that decided (6×7, null borders)', () => {
    const grid = { gh: 6, gw: 7, prefix: 1 };
    const { aaam, distance } = stack([plantedAttention(kinds, grid)], grid);
    const [self, right, soft, row, uni] = classifyHeads(aaam, distance).map((c) => c.evidence);
    expect(self.centreMass).toBeCloseTo(1, 6);
    expect(right.peak).toEqual({ dx: 1, dy: 0 });
    expect([right.peakMass, right.centreOfMass.dx, right.centreOfMass.dy]).toBeDeepCloseTo([1, 1, 0], 1e-6);
    expect(soft.nearMass).toBeCloseTo(1, 6);
    expect(soft.centreMass).toBeCloseTo(1 / 9, 6);
    expect([row.rowMass, row.axialMass, row.armMass]).toBeDeepCloseTo([1, 1, 30 / 49], 1e-6);
    expect(uni.distanceRatio).toBeCloseTo(1, 5);
    expect(right.rule).toMatch(/^peak at \(\+1,0\) holds 1.000/);
  });

  it('works across layers and with rank-3 input; a blend matching no rule is mixed; thresholds are tunable', () => {
    const grid = { gh: 14, gw: 14, prefix: 1 };
    const self = plantedAttention(['self'], grid);
    const uni = plantedAttention(['uniform'], grid);
    const blend = tensor(new Float32Array(self.size), self.shape);
    for (let i = 0; i < self.size; i++) (blend.data as Float32Array)[i] = 0.4 * (self.data as Float32Array)[i] + 0.6 * (uni.data as Float32Array)[i];
    const { aaam, distance } = stack([blend, plantedAttention(['right'], grid, 1, false)], grid);
    const got = classifyHeads(aaam, distance);
    expect(got.map((c) => [c.layer, c.class])).toEqual([
      [1, 'mixed'],
      [2, 'offset-local'],
    ]);
    expect(classifyHeads(aaam, distance, { strictMass: 0.35 })[0].class).toBe('strict-local');
    const one = tensor((aaam.data as Float32Array).slice(0, 27 * 27), [1, 27, 27]);
    expect(classifyHeads(one, tensor(Float32Array.of(distance.get(0, 0)), [1]))[0].class).toBe('mixed');
  });

  it('rejects mismatched distance, bad options and NaN distance', () => {
    const grid = { gh: 3, gw: 3, prefix: 1 };
    const { aaam, distance } = stack([plantedAttention(['self', 'soft'], grid)], grid);
    expect(() => classifyHeads(aaam, tensor(new Float32Array(3), [1, 3]))).toThrow('`distance` of classifyHeads must have shape [1,2] to match `aaam` [1,2,5,5]. Got [1,3].');
    expect(() => classifyHeads(aaam, distance, { peakRadius: 1.5 })).toThrow('`options.peakRadius` of classifyHeads must be a whole number ≥ 0. Got 1.5.');
    // @ts-expect-error unknown option on purpose
    expect(() => classifyHeads(aaam, distance, { strict: 1 })).toThrow(/`options.strict` of classifyHeads is not an option/);
    expect(() => classifyHeads(aaam, tensor(Float32Array.of(0, NaN), [1, 2]))).toThrow(/NaN at layer 1, head 1 \(0-based\)/);
  });
});

describe('describeHeads', () => {
  it("reports the paper's observation per model", () => {
    const grid = { gh: 6, gw: 7, prefix: 1 };
    const { aaam, distance } = stack([plantedAttention(['self', 'right'], grid), plantedAttention(['uniform', 'right'], grid)], grid);
    const s = describeHeads(classifyHeads(aaam, distance), { model: 'toy' });
    expect(s.counts).toEqual({ 'strict-local': 1, 'soft-local': 0, 'axial-local': 0, 'offset-local': 2, global: 1, mixed: 0 });
    expect(s.layers['offset-local']).toEqual([1, 2]);
    expect(s.lines).toEqual([
      'toy: strict-local heads in layer 1 (1 head)',
      'toy: offset-local heads in layers 1, 2 (2 heads: L1H1 (+1,0), L2H1 (+1,0))',
      'toy: global heads in layer 2 (1 head)',
    ]);
    expect(describeHeads([]).lines).toEqual(['no offset-local heads']);
  });
});
