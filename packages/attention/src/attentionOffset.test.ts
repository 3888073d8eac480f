import { describe, expect, it } from 'vitest';
import { tensor } from '@vit/io';
import { alignedAttention } from './alignedAttention.js';
import { attentionOffset } from './attentionOffset.js';
import { plantedAttention, randomAttention, refAligned } from '../test/helpers.js';

describe('attentionOffset', () => {
  it('is the centre of mass in tokens (hand case)', () => {
    // 3×3 window (2×2 grid): 0.5 at the centre, 0.25 one right, 0.25 one up-left
    const a = tensor(new Float32Array([0.25, 0, 0, 0, 0.5, 0.25, 0, 0, 0]), [1, 3, 3]);
    const [o] = attentionOffset(a);
    expect([o.dx, o.dy]).toBeDeepCloseTo([0, -0.25], 1e-9);
    expect(o.offset).toBeCloseTo(0.25, 9);
    expect(o.offsetNormalized).toBeCloseTo(0.25 / 1, 9);
  });

  it('recovers planted heads exactly (6×7 grid: g − 1 = 6)', () => {
    const grid = { gh: 6, gw: 7, prefix: 1 };
    const offs = attentionOffset(alignedAttention(plantedAttention(['self', 'right', 'soft', 'row', 'uniform'], grid), grid));
    expect(offs.map((o) => [o.dx, o.dy])).toBeDeepCloseTo([[0, 0], [1, 0], [0, 0], [0, 0], [0, 0]], 1e-6);
    expect(offs[1].offset).toBeCloseTo(1, 6);
    expect(offs[1].offsetNormalized).toBeCloseTo(1 / 6, 6);
  });

  it('right neighbour without null edges: dx = (gw−1)/gw (the last column attends to itself)', () => {
    const grid = { gh: 4, gw: 5, prefix: 1 };
    const [o] = attentionOffset(alignedAttention(plantedAttention(['right'], grid, 1, false), grid));
    expect([o.dx, o.dy]).toBeDeepCloseTo([4 / 5, 0], 1e-6);
  });

  it('equals the centre of mass of the reference AAAM on random attention, tolerance 1e-6', () => {
    const grid = { gh: 3, gw: 5, prefix: 1 };
    const att = randomAttention(2, 3, grid, 21, 6);
    const got = attentionOffset(alignedAttention(att, grid));
    refAligned(att, grid).forEach((w, h) => {
      let dx = 0;
      let dy = 0;
      w.forEach((x, i) => {
        dx += x * ((i % 9) - 4);
        dy += x * (Math.floor(i / 9) - 2);
      });
      expect([got[h].dx, got[h].dy, got[h].offsetNormalized]).toBeDeepCloseTo([dx, dy, Math.hypot(dx, dy) / 4], 1e-6);
    });
  });

  it('rejects even window sizes and non-finite values', () => {
    expect(() => attentionOffset(tensor(new Float32Array(8), [2, 2, 2]))).toThrow(/`aaam` of attentionOffset must have shape \[H,2gh−1,2gw−1\] \(odd window sizes\). Got \[2,2,2\]/);
    expect(() => attentionOffset(tensor(new Float32Array([0, NaN, 0]), [1, 1, 3]))).toThrow(/contains NaN at \[0,0,1\]/);
  });
});
