import { describe, expect, it } from 'vitest';
import { tensor } from '@vit/io';
import { sparsePatternScore } from './sparsePatternScore.js';
import { toArray } from '../test/helpers.js';

describe('sparsePatternScore', () => {
  it('is concentration × cross-head overlap (hand case, k = 1)', () => {
    // layer 1: both heads put 0.7 on cell 0 → c = (0.7 − 0.25)/0.75 = 0.6, overlap 1
    // layer 2: heads peak on different cells → overlap 0; uniform-ish maps → c = 0
    const maps = tensor(
      Float32Array.from([0.7, 0.1, 0.1, 0.1, 0.7, 0.1, 0.1, 0.1, 0.7, 0.1, 0.1, 0.1, 0.1, 0.7, 0.1, 0.1]),
      [2, 2, 2, 2],
    );
    expect(toArray(sparsePatternScore(maps, { k: 1 }))).toBeDeepCloseTo([0.6, 0.6, 0, 0], 1e-6);
    expect(toArray(sparsePatternScore(tensor(new Float32Array(8).fill(0.25), [1, 2, 2, 2]), { k: 1 }))).toBeDeepCloseTo([0, 0], 1e-6);
  });

  it('separates a planted sparse repeating pattern from local, diverse maps (14×14, default k = 10)', () => {
    const N = 196;
    const H = 4;
    const data = new Float32Array(2 * H * N);
    const hot = [3, 40, 77, 150, 191]; // the same few cells in every head of layer 1
    for (let h = 0; h < H; h++) {
      for (let n = 0; n < N; n++) data[h * N + n] = 0.1 / N;
      for (const c of hot) data[h * N + c] += 0.9 / hot.length;
      // layer 2: each head a blob on a different quadrant
      const ci = h < 2 ? 3 : 10;
      const cj = h % 2 === 0 ? 3 : 10;
      for (let i = 0; i < 14; i++) for (let j = 0; j < 14; j++) data[(H + h) * N + i * 14 + j] = Math.exp(-((i - ci) ** 2 + (j - cj) ** 2) / 4);
    }
    const s = toArray(sparsePatternScore(tensor(data, [2, H, 14, 14])));
    // top-10 holds 0.9 + 5·0.1/196; c = (share − 10/196)/(1 − 10/196); the 5 hot cells are shared, the other 5 ties (by index) too
    const share = 0.9 + (10 * 0.1) / 196;
    const c = (share - 10 / 196) / (1 - 10 / 196);
    expect(s.slice(0, H)).toBeDeepCloseTo([c, c, c, c], 1e-5);
    for (const x of s.slice(H)) expect(x).toBeLessThan(0.05);
  });

  it('rejects bad k and negative maps', () => {
    const maps = tensor(new Float32Array(8).fill(0.25), [1, 2, 2, 2]);
    expect(() => sparsePatternScore(maps, { k: 5 })).toThrow('`k` of sparsePatternScore must be an integer in [1, 4]. Got 5.');
    expect(() => sparsePatternScore(tensor(Float32Array.of(1, -1, 0, 0), [1, 1, 2, 2]))).toThrow(/must be finite and ≥ 0. Got -1 at layer 1, head 1, cell \[0,1\]/);
    expect(() => sparsePatternScore(tensor(new Float32Array(4), [2, 2]))).toThrow('`clsMaps` of sparsePatternScore must be an ndarray tensor [L,H,gh,gw]. Got [2,2].');
  });
});
