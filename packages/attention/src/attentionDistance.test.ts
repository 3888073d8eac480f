import { describe, expect, it } from 'vitest';
import { tensor } from '@vit/io';
import { attentionDistance } from './attentionDistance.js';
import { plantedAttention, randomAttention, refDistance, toArray } from '../test/helpers.js';

describe('attentionDistance', () => {
  it('matches a hand-computed 1×2 case (g − 1 = 1)', () => {
    // q0: S = [0.25, 0.75] → 0.75·1; q1: S = [0.5, 0.5] → 0.5·1; mean 0.625
    const att = tensor(new Float32Array([0.1, 0.3, 0.6, 0.2, 0.2, 0.6, 0.5, 0.25, 0.25]), [1, 1, 3, 3]);
    expect(toArray(attentionDistance(att, { gh: 1, gw: 2, prefix: 1 }))).toBeDeepCloseTo([0.625], 1e-6);
  });

  it('recovers planted heads exactly (6×7 grid, unit square: token step 1/6)', () => {
    const grid = { gh: 6, gw: 7, prefix: 1 };
    const d = attentionDistance(plantedAttention(['self', 'right', 'soft', 'row', 'uniform'], grid, 2), grid);
    expect(d.shape).toEqual([2, 5]);
    let uni = 0;
    for (let a = 0; a < 42; a++) for (let b = 0; b < 42; b++) uni += Math.hypot((a % 7) - (b % 7), Math.floor(a / 7) - Math.floor(b / 7));
    uni /= 42 * 42 * 6;
    const expected = [0, 1 / 6, (4 + 4 * Math.SQRT2) / 9 / 6, (48 / 21) / 6, uni];
    expect(toArray(d)).toBeDeepCloseTo([...expected, ...expected], 1e-6);
  });

  it.each([
    ['4×4, CLS', { gh: 4, gw: 4, prefix: 1 }],
    ['2×5, registers', { gh: 2, gw: 5, prefix: 3 }],
    ['5×3, no prefix', { gh: 5, gw: 3, prefix: 0 }],
  ])('equals the slow reference on random attention (%s), tolerance 1e-6', (_, grid) => {
    const att = randomAttention(3, 2, grid, 13, 5);
    expect(toArray(attentionDistance(att, grid))).toBeDeepCloseTo(refDistance(att, grid).flat(), 1e-6);
  });

  it('matches the reference with attention sinks and unnormalised rows, tolerance 1e-6', () => {
    const grid = { gh: 3, gw: 5, prefix: 1 };
    const att = randomAttention(2, 2, grid, 41, 4);
    const d = att.data as Float32Array;
    const T = 16;
    for (let row = 0; row < 2 * 2 * T; row++) {
      const scale = row % 3 === 0 ? 0.7 : 1;
      for (let k = 0; k < T; k++) d[row * T + k] *= k === 0 ? (row % 2 ? 50 : 1) * scale : scale;
    }
    expect(toArray(attentionDistance(att, grid, { onWarning: () => {} }))).toBeDeepCloseTo(refDistance(att, grid).flat(), 1e-6);
  });

  it('skips null rows; a head whose rows are all null gets NaN', () => {
    const grid = { gh: 2, gw: 2, prefix: 1 };
    const att = randomAttention(1, 2, grid, 5);
    for (let q = 1; q < 5; q++) for (let k = 0; k < 5; k++) att.set(0, 1, q, k, k === 0 ? 1 : 0);
    for (let k = 0; k < 5; k++) att.set(0, 0, 2, k, k === 0 ? 1 : 0);
    const d = toArray(attentionDistance(att, grid));
    expect(d[0]).toBeCloseTo(refDistance(att, grid)[0][0], 6);
    expect(Number.isNaN(d[1])).toBe(true);
  });

  it('gives 0 on a 1×1 grid', () => {
    const att = tensor(new Float32Array([0.5, 0.5, 0.5, 0.5]), [1, 1, 2, 2]);
    expect(toArray(attentionDistance(att, { gh: 1, gw: 1, prefix: 1 }))).toBeDeepCloseTo([0], 0);
  });
});
