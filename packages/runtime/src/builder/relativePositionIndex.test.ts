import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseSafetensors } from '@vit/io';
import { relPosTableRows, relativePositionIndex } from './relativePositionIndex.js';

describe('relativePositionIndex', () => {
  it("equals timm's gen_relative_position_index (the PyTorch fixture, grid 2×3)", () => {
    const file = fileURLToPath(new URL('../../fixtures/builder/beit/weights.safetensors', import.meta.url));
    const ref = parseSafetensors(readFileSync(file)).tensors['blocks.0.attn.relative_position_index'];
    expect(ref.dtype).toBe('I64');
    expect(ref.tensor.shape).toEqual([7, 7]);
    expect(Array.from(relativePositionIndex([2, 3]))).toEqual(Array.from(ref.tensor.data as BigInt64Array, Number));
  });

  it('treats registers like CLS, and has only the patch part without prefix tokens', () => {
    const two = Array.from(relativePositionIndex([1, 2], 2)); // R = 1·3 + 3 = 6; patches (0,0), (0,1)
    expect([0, 1, 2, 3].map((r) => two.slice(r * 4, r * 4 + 4))).toEqual([
      [5, 5, 3, 3],
      [5, 5, 3, 3],
      [4, 4, 1, 0],
      [4, 4, 2, 1],
    ]);
    expect(Array.from(relativePositionIndex([1, 2], 0))).toEqual([1, 0, 2, 1]);
  });

  it('by hand on a 2×2 grid', () => {
    // R = 3·3 + 3 = 12. Patch (i,j) vs (i',j'): (i−i'+1)·3 + (j−j'+1).
    expect(relPosTableRows([2, 2])).toBe(12);
    const idx = Array.from(relativePositionIndex([2, 2]));
    const rows = [0, 1, 2, 3, 4].map((r) => idx.slice(r * 5, r * 5 + 5));
    expect(rows).toEqual([
      [11, 9, 9, 9, 9],
      [10, 4, 3, 1, 0],
      [10, 5, 4, 2, 1],
      [10, 7, 6, 4, 3],
      [10, 8, 7, 5, 4],
    ]);
  });
});
