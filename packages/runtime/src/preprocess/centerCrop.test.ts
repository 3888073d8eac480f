import { describe, expect, it } from 'vitest';
import { VitValueError, tensor } from '@vit/io';
import { centerCrop } from './centerCrop.js';

describe('centerCrop', () => {
  // Pixel value = 10·row + column, so the crop's corner is readable from its first pixel.
  const grid = (H: number, W: number) => tensor(Uint8Array.from({ length: H * W }, (_, i) => 10 * Math.floor(i / W) + (i % W)), [H, W, 1]);

  it('takes the centred window by hand', () => {
    const c = centerCrop(grid(5, 6), [3, 2]);
    expect(c.shape).toEqual([3, 2, 1]);
    expect(Array.from(c.data)).toEqual([12, 13, 22, 23, 32, 33]);
  });

  it('odd margins round half to even like torchvision (Python round)', () => {
    // margin 1 → round(0.5) = 0; margin 3 → round(1.5) = 2; margin 5 → round(2.5) = 2.
    expect(centerCrop(grid(4, 4), [3, 3]).data[0]).toBe(0);
    expect(centerCrop(grid(6, 6), [3, 3]).data[0]).toBe(22);
    expect(centerCrop(grid(8, 8), [3, 3]).data[0]).toBe(22);
    expect(centerCrop(grid(8, 9), [3, 4]).data[0]).toBe(22); // rows: 2.5 → 2; cols: 2.5 → 2
    expect(centerCrop(grid(9, 8), [6, 5]).data[0]).toBe(22); // rows: 1.5 → 2; cols: 1.5 → 2
  });

  it('keeps channels and dtype, accepts views, full size is a copy', () => {
    const f = tensor(Float32Array.from({ length: 4 * 4 * 3 }, (_, i) => i / 7), [4, 4, 3]);
    const c = centerCrop(f, 2);
    expect(c.data).toBeInstanceOf(Float32Array);
    expect(c.data).toBeDeepCloseTo([15, 16, 17, 18, 19, 20, 27, 28, 29, 30, 31, 32].map((v) => Math.fround(v / 7)), 0);
    const whole = centerCrop(f, [4, 4]);
    expect(whole.data).not.toBe(f.data);
    expect(whole.data).toBeDeepCloseTo(f.data, 0);
    const v = grid(6, 8).transpose(1, 0, 2); // [8,6,1] view
    expect(Array.from(centerCrop(v, [2, 2]).data)).toEqual([23, 33, 24, 34]);
  });

  it('rejects crops larger than the image and bad sizes', () => {
    expect(() => centerCrop(grid(4, 5), [5, 5])).toThrow(
      '`size` of centerCrop must fit inside the image: a [5,5] crop of an [4,5,1] image. Resize first.',
    );
    expect(() => centerCrop(grid(4, 5), 0)).toThrow('`size` of centerCrop must be a positive integer or an [h, w] pair of them. Got 0.');
    expect(() => centerCrop(grid(4, 5), [2, 2, 2] as unknown as [number, number])).toThrow(VitValueError);
  });
});
