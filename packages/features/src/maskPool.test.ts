import { describe, expect, it } from 'vitest';
import { tensor } from '@vit/io';
import { maskFeatures } from './maskFeatures.js';
import { maskPool } from './maskPool.js';

// tokens [2,2,2]: channel 0 = 1,2,3,4 (row-major), channel 1 = 10× that
const tokens = tensor(Float32Array.from([1, 10, 2, 20, 3, 30, 4, 40]), [2, 2, 2]);
const mask = (H: number, W: number, on: [number, number][]) => {
  const m = new Uint8Array(H * W);
  for (const [y, x] of on) m[y * W + x] = 1;
  return tensor(m, [H, W]);
};

describe('maskPool', () => {
  it('H,W multiples of the grid: each token owns a whole 2×2 pixel block', () => {
    expect(maskPool(tokens, mask(4, 4, [[0, 0], [0, 1], [1, 0], [1, 1]])).data).toBeDeepCloseTo([1, 10], 1e-6);
    // 4/4 of token (0,0) and 1/4 of token (0,1) → weights 1 : 0.25 → 0.8, 0.2
    expect(maskPool(tokens, mask(4, 4, [[0, 0], [0, 1], [1, 0], [1, 1], [0, 2]])).data).toBeDeepCloseTo([1.2, 12], 1e-6);
    // the whole image: plain mean of the tokens
    const all = tensor(new Uint8Array(16).fill(255), [4, 4]);
    expect(maskPool(tokens, all).data).toBeDeepCloseTo([2.5, 25], 1e-6);
  });

  it('H,W not multiples: border pixels are split by overlap area (3×3 image, 1.5-pixel tokens)', () => {
    expect(maskPool(tokens, mask(3, 3, [[0, 0]])).data).toBeDeepCloseTo([1, 10], 1e-6);
    // pixel (1,1) = [1,2)² is split in four quarters
    expect(maskPool(tokens, mask(3, 3, [[1, 1]])).data).toBeDeepCloseTo([2.5, 25], 1e-6);
    // pixel (0,1) = [0,1)×[1,2): half in token (0,0), half in (0,1)
    expect(maskPool(tokens, mask(3, 3, [[0, 1]])).data).toBeDeepCloseTo([1.5, 15], 1e-6);
    // pixels (0,0) and (0,1): token (0,0) gets 1 + 0.5, token (0,1) gets 0.5 → 0.75 / 0.25
    expect(maskPool(tokens, mask(3, 3, [[0, 0], [0, 1]])).data).toBeDeepCloseTo([1.25, 12.5], 1e-6);
  });

  it('rejects an empty mask and bad shapes', () => {
    expect(() => maskPool(tokens, mask(4, 4, []))).toThrow(/empty/);
    expect(() => maskPool(tensor(new Float32Array(4), [4]) as never, mask(4, 4, [[0, 0]]))).toThrow(/\[gh,gw,D\]/);
    expect(() => maskPool(tokens, tensor(new Uint8Array(4), [4]))).toThrow(/\[H,W\]/);
  });
});

describe('maskFeatures', () => {
  it('pools every mask on every layer, keeps labels, skips empty masks', () => {
    const layer2 = tensor(Float32Array.from(tokens.data, (v) => -v), [2, 2, 2]);
    const masks = [
      { mask: mask(4, 4, [[0, 0]]), label: 3 },
      { mask: mask(4, 4, []), label: 5 },
      { mask: mask(4, 4, [[3, 3]]), label: 7 },
    ];
    const r = maskFeatures([tokens, layer2], masks);
    expect(r.skipped).toBe(1);
    expect(Array.from(r.labels)).toEqual([3, 7]);
    expect(r.features[0].shape).toEqual([2, 2]);
    expect(r.features[0].data).toBeDeepCloseTo([1, 10, 4, 40], 1e-6);
    expect(r.features[1].data).toBeDeepCloseTo([-1, -10, -4, -40], 1e-6);
    // the [L,gh,gw,D] form gives the same
    const stacked = tensor(Float32Array.from([...tokens.data, ...layer2.data]), [2, 2, 2, 2]);
    expect(maskFeatures(stacked, masks).features[1].data).toBeDeepCloseTo(r.features[1].data, 0);
    expect(() => maskFeatures([tokens], [{ mask: mask(4, 4, [[0, 0]]), label: 0.5 }])).toThrow(/label/);
  });
});
