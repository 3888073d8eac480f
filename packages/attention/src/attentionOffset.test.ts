import { describe, expect, it } from 'vitest';
import { tensor } from '@vit/io';
import { alignedAttention } from './alignedAttention.js';
import { attentionOffset } from './attentionOffset.js';
import type { AttentionOffsetResult } from './attentionOffset.js';
import { plantedAttention, randomAttention, refAligned } from '../test/helpers.js';

/** The per-head tensors as one record per head, for readable expectations. */
const perHead = (r: AttentionOffsetResult) =>
  Array.from({ length: r.dx.size }, (_, h) => ({ dx: r.dx.data[h], dy: r.dy.data[h], offset: r.offset.data[h], offsetNormalized: r.offsetNormalized.data[h] }));

describe('attentionOffset', () => {
  it('is the centre of mass in tokens (hand case)', () => {
    // 3×3 window (2×2 grid): 0.5 at the centre, 0.25 one right, 0.25 one up-left
    const a = tensor(new Float32Array([0.25, 0, 0, 0, 0.5, 0.25, 0, 0, 0]), [1, 3, 3]);
    const r = attentionOffset(a);
    expect(r.dx.shape).toEqual([1]);
    const [o] = perHead(r);
    expect([o.dx, o.dy]).toBeDeepCloseTo([0, -0.25], 1e-9);
    expect(o.offset).toBeCloseTo(0.25, 9);
    expect(o.offsetNormalized).toBeCloseTo(0.25 / 1, 9);
  });

  it('recovers planted heads exactly (6×7 grid: g − 1 = 6)', () => {
    const grid = { gh: 6, gw: 7, prefix: 1 };
    const offs = perHead(attentionOffset(alignedAttention(plantedAttention(['self', 'right', 'soft', 'row', 'uniform'], grid), grid)));
    expect(offs.map((o) => [o.dx, o.dy])).toBeDeepCloseTo([[0, 0], [1, 0], [0, 0], [0, 0], [0, 0]], 1e-6);
    expect(offs[1].offset).toBeCloseTo(1, 6);
    expect(offs[1].offsetNormalized).toBeCloseTo(1 / 6, 6);
  });

  it('right neighbour without null edges: dx = (gw−1)/gw (the last column attends to itself)', () => {
    const grid = { gh: 4, gw: 5, prefix: 1 };
    const [o] = perHead(attentionOffset(alignedAttention(plantedAttention(['right'], grid, 1, false), grid)));
    expect([o.dx, o.dy]).toBeDeepCloseTo([4 / 5, 0], 1e-6);
  });

  it('equals the centre of mass of the reference AAAM on random attention, tolerance 1e-6', () => {
    const grid = { gh: 3, gw: 5, prefix: 1 };
    const att = randomAttention(2, 3, grid, 21, 6);
    const got = perHead(attentionOffset(alignedAttention(att, grid)));
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

  it('takes [L,H,…] (the AAAM accumulator result) and returns [L,H] tensors equal to each layer on its own', () => {
    const grid = { gh: 3, gw: 4, prefix: 1 };
    const a1 = alignedAttention(randomAttention(2, 3, grid, 5), grid);
    const a2 = alignedAttention(randomAttention(2, 3, grid, 6), grid);
    const both = tensor(Float32Array.from([...a1.data, ...a2.data]), [2, ...a1.shape]);
    const r = attentionOffset(both);
    expect(r.offset.shape).toEqual([2, 3]);
    expect(Array.from(r.offset.data)).toEqual([...attentionOffset(a1).offset.data, ...attentionOffset(a2).offset.data]);
  });

  it('rejects even window sizes and non-finite values', () => {
    expect(() => attentionOffset(tensor(new Float32Array(8), [2, 2, 2]))).toThrow(/`aaam` of attentionOffset must have shape \[H,2gh−1,2gw−1\] \(odd window sizes\). Got \[2,2,2\]/);
    expect(() => attentionOffset(tensor(new Float32Array([0, NaN, 0]), [1, 1, 3]))).toThrow(/contains NaN at \[0,0,1\]/);
  });
});

describe('attention analyses under a horizontal mirror of the image (an independent invariant)', () => {
  it('mirrors the AAAM, flips dx, keeps dy and the distance (tolerance 1e-6)', async () => {
    const { attentionDistance } = await import('./attentionDistance.js');
    const grid = { gh: 3, gw: 5, prefix: 1 };
    const T = 16;
    const att = randomAttention(2, 2, grid, 99, 5);
    // token t ↦ its mirror: prefix fixed, (i,j) ↦ (i, gw−1−j)
    const mir = (t: number) => (t < 1 ? t : 1 + Math.floor((t - 1) / 5) * 5 + (4 - ((t - 1) % 5)));
    const m = tensor(new Float32Array(att.size), att.shape);
    for (let b = 0; b < 2; b++) for (let h = 0; h < 2; h++) for (let q = 0; q < T; q++) for (let k = 0; k < T; k++) m.set(b, h, mir(q), mir(k), att.get(b, h, q, k));
    const a = alignedAttention(att, grid);
    const am = alignedAttention(m, grid);
    for (let h = 0; h < 2; h++) for (let u = 0; u < 5; u++) for (let v = 0; v < 9; v++) expect(am.get(h, u, 8 - v)).toBeCloseTo(a.get(h, u, v), 6);
    const o = perHead(attentionOffset(a));
    const om = perHead(attentionOffset(am));
    expect(om.map((x) => [x.dx, x.dy])).toBeDeepCloseTo(o.map((x) => [-x.dx, x.dy]), 1e-6);
    expect(Array.from(attentionDistance(m, grid).data)).toBeDeepCloseTo(Array.from(attentionDistance(att, grid).data), 1e-6);
  });
});
