import { describe, expect, it } from 'vitest';
import { ari } from './ari.js';
import { nmi } from './nmi.js';
import { purity } from './purity.js';

const I = (a: number[]) => Int32Array.from(a);

describe('purity / nmi / ari on a hand-computed contingency table', () => {
  // truth × pred table:  t0: [2,1,0]  t1: [0,2,1]  t2: [0,0,2]   (n = 8)
  // row sums a = [3,3,2], column sums b = [2,3,3]
  const truth = I([0, 0, 0, 1, 1, 1, 2, 2]);
  const pred = I([0, 0, 1, 1, 1, 2, 2, 2]);

  it('purity = (2+2+2)/8', () => {
    expect(purity(truth, pred)).toBeDeepCloseTo(0.75, 1e-15);
  });

  it('ARI = (3 − 49/28) / (7 − 49/28) = 5/21', () => {
    // Σ C(n_ij,2) = 3 (three cells of 2); Σ C(a_i,2) = 3+3+1 = 7; Σ C(b_j,2) = 1+3+3 = 7; C(8,2) = 28
    expect(ari(truth, pred)).toBeDeepCloseTo(5 / 21, 1e-12);
  });

  it('NMI = MI / mean entropy, natural log', () => {
    const mi = 0.5 * Math.log(8 / 3) + 0.25 * Math.log(8 / 9) + 0.25 * Math.log(16 / 9);
    const h = -(2 * (3 / 8) * Math.log(3 / 8) + (2 / 8) * Math.log(2 / 8));
    expect(nmi(truth, pred)).toBeDeepCloseTo(mi / h, 1e-12);
  });

  it('all three ignore label names (permutation / arbitrary ids)', () => {
    const renamed = I(Array.from(pred, (p) => [70, -3, 5][p]));
    expect(purity(truth, renamed)).toBeDeepCloseTo(purity(truth, pred), 1e-15);
    expect(nmi(truth, renamed)).toBeDeepCloseTo(nmi(truth, pred), 1e-15);
    expect(ari(truth, renamed)).toBeDeepCloseTo(ari(truth, pred), 1e-15);
    expect(nmi(pred, truth)).toBeDeepCloseTo(nmi(truth, pred), 1e-15);
  });

  it('identical partitions score 1', () => {
    expect([purity(truth, truth), nmi(truth, truth), ari(truth, truth)]).toBeDeepCloseTo([1, 1, 1], 1e-12);
  });
});

describe('degenerate cases', () => {
  const truth = I([0, 0, 1, 1]);
  it('one predicted cluster: purity = majority share, NMI 0, ARI 0', () => {
    const one = I([4, 4, 4, 4]);
    expect(purity(truth, one)).toBe(0.5);
    expect(nmi(truth, one)).toBe(0);
    expect(ari(truth, one)).toBeDeepCloseTo(0, 1e-15);
  });
  it('both a single group: everything 1', () => {
    expect([purity(I([1, 1, 1]), I([0, 0, 0])), nmi(I([1, 1, 1]), I([0, 0, 0])), ari(I([1, 1, 1]), I([0, 0, 0]))]).toEqual([1, 1, 1]);
  });
  it('all singletons: purity 1, ARI 0, NMI = ln2 / ((ln2 + ln4)/2) = 2/3', () => {
    const single = I([0, 1, 2, 3]);
    expect(purity(truth, single)).toBe(1);
    // Σ C(n_ij,2) = 0, Σ C(a,2) = 2, Σ C(b,2) = 0 → expected index 0 → ARI = 0 / 1
    expect(ari(truth, single)).toBeDeepCloseTo(0, 1e-15);
    expect(nmi(truth, single)).toBeDeepCloseTo(2 / 3, 1e-12);
    expect([nmi(single, single), ari(single, single), purity(single, single)]).toEqual([1, 1, 1]);
  });
  it('all singletons at n = 100 000 (sparse table): NMI = ln 2 / ((ln 2 + ln n)/2)', () => {
    const n = 100_000;
    const halves = I(Array.from({ length: n }, (_, i) => i % 2));
    const single = I(Array.from({ length: n }, (_, i) => i));
    expect(nmi(halves, single)).toBeDeepCloseTo(Math.LN2 / ((Math.LN2 + Math.log(n)) / 2), 1e-12);
    expect(purity(halves, single)).toBe(1);
    expect(ari(single, single)).toBe(1);
  });
  it('a single sample', () => {
    expect([purity(I([3]), I([9])), nmi(I([3]), I([9])), ari(I([3]), I([9]))]).toEqual([1, 1, 1]);
  });
});

describe('bad input', () => {
  it('different lengths, empty, non-integers', () => {
    expect(() => nmi(I([0, 1]), I([0]))).toThrow(/truth has 2, pred has 1/);
    expect(() => ari(I([]), I([]))).toThrow(/must not be empty/);
    expect(() => purity([0, 1.5] as never, [0, 1] as never)).toThrow(/Int32Array/);
    try {
      purity(I([0, 1]), I([0]));
    } catch (e) {
      expect((e as { code: string }).code).toBe('VIT_LENGTH_MISMATCH');
    }
  });
});
