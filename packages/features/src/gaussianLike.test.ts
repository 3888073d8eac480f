import { describe, expect, it } from 'vitest';
import { tensor } from '@vit/io';
import { gaussianLike } from './gaussianLike.js';

describe('gaussianLike', () => {
  const t = tensor(new Float32Array(4 * 50 * 60), [4, 50, 60]);
  it('same shape, seeded, standard normal', () => {
    const a = gaussianLike(t, { seed: 7 });
    expect(a.shape).toEqual([4, 50, 60]);
    expect(a.data).toEqual(gaussianLike(t, { seed: 7 }).data);
    expect(a.data).not.toEqual(gaussianLike(t, { seed: 8 }).data);
    let s = 0;
    let sq = 0;
    for (const v of a.data) {
      s += v;
      sq += v * v;
    }
    const n = a.data.length;
    expect(s / n).toBeDeepCloseTo(0, 0.03);
    expect(Math.sqrt(sq / n - (s / n) ** 2)).toBeDeepCloseTo(1, 0.03);
  });
  it('mean and std options; bad input', () => {
    const a = gaussianLike(tensor(new Float32Array(20000), [20000]), { seed: 1, mean: 5, std: 0.5 });
    const m = a.data.reduce((p, v) => p + v, 0) / a.data.length;
    expect(m).toBeDeepCloseTo(5, 0.02);
    expect(() => gaussianLike(t, { seed: NaN })).toThrow(/seed/);
    expect(() => gaussianLike(t, { seed: 1, std: -1 })).toThrow(/std/);
  });
});
