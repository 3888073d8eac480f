import { describe, expect, it, vi } from 'vitest';
import { tensor, type Tensor } from '@vit/io';
import { alignedAttention } from './alignedAttention.js';
import { plantedAttention, randomAttention, refAligned, toArray, uniformAaam } from '../test/helpers.js';

// Hand case: grid 1×2, one CLS token. Rows (CLS, spatial 0, spatial 1):
//   q0 = [0.2, 0.2, 0.6] → S = [0.25, 0.75] lands at window cells 1, 2
//   q1 = [0.5, 0.25, 0.25] → S = [0.5, 0.5] lands at window cells 0, 1
// AAAM = ([0, .25, .75] + [.5, .5, 0]) / 2 = [0.25, 0.375, 0.375]
const hand = tensor(new Float32Array([0.1, 0.3, 0.6, 0.2, 0.2, 0.6, 0.5, 0.25, 0.25]), [1, 1, 3, 3]);
const handGrid = { gh: 1, gw: 2, prefix: 1 };

describe('alignedAttention', () => {
  it('matches a hand-computed 1×2 case', () => {
    const a = alignedAttention(hand, handGrid);
    expect(a.shape).toEqual([1, 1, 3]);
    expect(toArray(a)).toBeDeepCloseTo([0.25, 0.375, 0.375], 1e-6);
  });

  it('coverage divides by the covered fraction (hand case: edges covered by 1 of 2 queries)', () => {
    const a = alignedAttention(hand, handGrid, { coverage: true });
    expect(toArray(a)).toBeDeepCloseTo([0.5, 0.375, 0.75], 1e-6);
  });

  it('recovers planted heads exactly (6×7 grid, null border rows)', () => {
    const grid = { gh: 6, gw: 7, prefix: 1 };
    const a = alignedAttention(plantedAttention(['self', 'right', 'soft', 'row', 'uniform'], grid, 2), grid);
    const Wh = 11;
    const Ww = 13;
    const W = Wh * Ww;
    const at = (dy: number, dx: number) => (5 + dy) * Ww + (6 + dx);
    const heads = Array.from({ length: 5 }, (_, h) => toArray(a).slice(h * W, (h + 1) * W));
    const self = new Array(W).fill(0);
    self[at(0, 0)] = 1;
    const right = new Array(W).fill(0);
    right[at(0, 1)] = 1;
    const soft = new Array(W).fill(0);
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) soft[at(dy, dx)] = 1 / 9;
    const row = new Array(W).fill(0);
    for (let dx = -6; dx <= 6; dx++) row[at(0, dx)] = (7 - Math.abs(dx)) / 49;
    expect(heads[0]).toBeDeepCloseTo(self, 1e-7);
    expect(heads[1]).toBeDeepCloseTo(right, 1e-7);
    expect(heads[2]).toBeDeepCloseTo(soft, 1e-7);
    expect(heads[3]).toBeDeepCloseTo(row, 1e-7);
    expect(heads[4]).toBeDeepCloseTo(uniformAaam(6, 7), 1e-7);
  });

  it.each([
    ['square, CLS', { gh: 4, gw: 4, prefix: 1 }],
    ['non-square 3×5', { gh: 3, gw: 5, prefix: 1 }],
    ['non-square 5×2, CLS + 3 registers', { gh: 5, gw: 2, prefix: 4 }],
    ['no prefix', { gh: 3, gw: 4, prefix: 0 }],
  ])('equals the slow reference on random attention (%s), tolerance 1e-6', (_, grid) => {
    const att = randomAttention(3, 2, grid, 7);
    const Wn = (2 * grid.gh - 1) * (2 * grid.gw - 1);
    for (const coverage of [false, true]) {
      const ref = refAligned(att, grid, coverage).flat();
      const got = alignedAttention(att, grid, { coverage });
      expect(got.shape).toEqual([2, 2 * grid.gh - 1, 2 * grid.gw - 1]);
      expect(toArray(got)).toBeDeepCloseTo(ref, 1e-6);
      if (!coverage) for (let h = 0; h < 2; h++) expect(ref.slice(h * Wn, (h + 1) * Wn).reduce((s, x) => s + x, 0)).toBeCloseTo(1, 6);
    }
  });

  it('matches the reference with attention sinks (prefix mass 0.999) and rows off 1 by 30%, tolerance 1e-6', () => {
    const grid = { gh: 4, gw: 3, prefix: 2 };
    const att = randomAttention(2, 3, grid, 31, 4);
    const d = att.data as Float32Array;
    const T = 14;
    for (let row = 0; row < 2 * 3 * T; row++) {
      const h = Math.floor(row / T) % 3;
      if (h === 0) for (let k = 0; k < T; k++) d[row * T + k] *= k < 2 ? 1 : 0.001 / (1 - d[row * T] - d[row * T + 1]); // sink
      if (h === 1 && row % 2 === 0) for (let k = 0; k < T; k++) d[row * T + k] *= 1.3; // unnormalised rows
    }
    for (const coverage of [false, true]) {
      expect(toArray(alignedAttention(att, grid, { coverage, onWarning: () => {} }))).toBeDeepCloseTo(refAligned(att, grid, coverage).flat(), 1e-6);
    }
  });

  it('skips null rows (all mass on prefix) and matches the reference', () => {
    const grid = { gh: 3, gw: 3, prefix: 2 };
    const att = randomAttention(2, 2, grid, 3);
    // make spatial rows 0 and 4 of image 0, head 1 null: all their mass on the registers
    for (const q of [2, 6]) for (let k = 0; k < 11; k++) att.set(0, 1, q, k, k < 2 ? 0.5 : 0);
    expect(toArray(alignedAttention(att, grid))).toBeDeepCloseTo(refAligned(att, grid).flat(), 1e-6);
    expect(toArray(alignedAttention(att, grid, { coverage: true }))).toBeDeepCloseTo(refAligned(att, grid, true).flat(), 1e-6);
  });

  it('accepts a strided (transposed) view and float64 data', () => {
    const grid = { gh: 2, gw: 3, prefix: 1 };
    const att = randomAttention(2, 3, grid, 5);
    const swapped = tensor(new Float64Array(att.size), [3, 2, 7, 7]);
    for (let b = 0; b < 2; b++) for (let h = 0; h < 3; h++) for (let q = 0; q < 7; q++) for (let k = 0; k < 7; k++) swapped.set(h, b, q, k, att.get(b, h, q, k));
    const view = swapped.transpose(1, 0, 2, 3) as unknown as Tensor;
    expect(toArray(alignedAttention(view, grid))).toBeDeepCloseTo(toArray(alignedAttention(att, grid)), 1e-6);
  });

  it('rejects a grid that does not match T with the documented message', () => {
    const att = tensor(new Float32Array(8 * 12 * 196 * 196), [8, 12, 196, 196]);
    expect(() => alignedAttention(att, { gh: 14, gw: 14, prefix: 1 })).toThrow(
      '`att` of alignedAttention must have shape [B,H,T,T] with T = prefix + gh·gw = 197. Got [8,12,196,196].',
    );
    expect(() => alignedAttention(att, { gh: 14, gw: 0, prefix: 1 })).toThrow(/`grid` of alignedAttention must be \{ gh, gw, prefix \}/);
  });

  it('names layer and head on NaN/Inf', () => {
    const grid = { gh: 2, gw: 2, prefix: 1 };
    const att = randomAttention(2, 3, grid, 1);
    att.set(1, 2, 3, 4, NaN);
    expect(() => alignedAttention(att, grid, { layer: 7 })).toThrow('`att` of alignedAttention contains NaN in layer 7, head 3 (image 2, query row 4). Remove or repair non-finite values first.');
    att.set(1, 2, 3, 4, Infinity);
    expect(() => alignedAttention(att, grid)).toThrow(/contains Infinity in head 3 \(image 2, query row 4\)/);
  });

  it('warns once, with the worst deviation, when rows do not sum to 1', () => {
    const grid = { gh: 2, gw: 2, prefix: 1 };
    const att = randomAttention(1, 2, grid, 1);
    for (let k = 0; k < 5; k++) {
      att.set(0, 0, 2, k, att.get(0, 0, 2, k) * 1.1);
      att.set(0, 1, 3, k, att.get(0, 1, 3, k) * 1.5);
    }
    const onWarning = vi.fn();
    alignedAttention(att, grid, { onWarning, layer: 2 });
    expect(onWarning).toHaveBeenCalledTimes(1);
    expect(onWarning.mock.calls[0][0]).toMatch(/worst deviation 0\.500 at layer 2, head 2 \(image 1, query row 4\)/);
    const quiet = vi.fn();
    alignedAttention(randomAttention(1, 2, grid, 2), grid, { onWarning: quiet });
    expect(quiet).not.toHaveBeenCalled();
  });
});
