import { describe, expect, it } from 'vitest';
import { VitValueError } from '@vit/io';
import { tileOffsets } from './tileOffsets.js';

describe('tileOffsets', () => {
  it('by hand', () => {
    expect(tileOffsets(224, 224)).toEqual([0]);
    expect(tileOffsets(448, 224)).toEqual([0, 224]);
    expect(tileOffsets(592, 224)).toEqual([0, 224, 368]); // last tile flush: 368 + 224 = 592
    expect(tileOffsets(672, 224)).toEqual([0, 224, 448]);
    expect(tileOffsets(230, 224)).toEqual([0, 6]);
    expect(tileOffsets(10, 3)).toEqual([0, 3, 6, 7]);
    expect(tileOffsets(5, 1)).toEqual([0, 1, 2, 3, 4]);
  });
  it('tiles cover [0, length) and the last ends at the border', () => {
    for (let size = 1; size <= 9; size++) {
      for (let length = size; length <= 40; length++) {
        const o = tileOffsets(length, size);
        const covered = new Array(length).fill(false);
        for (const s of o) for (let i = s; i < s + size; i++) covered[i] = true;
        expect(covered.every(Boolean)).toBe(true);
        expect(o[o.length - 1] + size).toBe(length);
        expect(o.length).toBe(Math.ceil(length / size));
      }
    }
  });
  it('rejects an axis shorter than a tile and bad sizes', () => {
    expect(() => tileOffsets(100, 224)).toThrow('`length` of tileOffsets must be an integer ≥ size = 224. Got 100.');
    expect(() => tileOffsets(100, 0)).toThrow('`size` of tileOffsets must be a positive integer. Got 0.');
    expect(() => tileOffsets(10.5, 2)).toThrow(VitValueError);
  });
});
