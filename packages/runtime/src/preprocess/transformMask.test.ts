import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tensor } from '@vit/io';
import { transformKeypoints } from './transformKeypoints.js';
import { transformMask } from './transformMask.js';
import type { TransformMaskOptions } from './transformMask.js';

interface MaskCase {
  shape: [number, number];
  options: TransformMaskOptions & { crop: number };
  input: number[];
  mask: number[];
  tokens: number[];
  fraction: number[];
  label2Tokens: number[];
}
// Pillow NEAREST resize + centre crop + numpy token reduction: tools/preprocess-fixtures/make_transform_fixtures.py.
const masks = (
  JSON.parse(readFileSync(new URL('../../../../tools/preprocess-fixtures/fixtures/transforms.json', import.meta.url), 'utf8')) as { masks: MaskCase[] }
).masks;

describe('transformMask against Pillow NEAREST + the SPEC token rules', () => {
  it.each(masks.map((c) => [JSON.stringify(c.options), c] as const))('%s', (_n, c) => {
    const r = transformMask(tensor(Uint8Array.from(c.input), c.shape), c.options);
    const g = c.options.crop / c.options.patch!;
    expect(r.mask.shape).toEqual([c.options.crop, c.options.crop]);
    expect(Array.from(r.mask.data as Uint8Array)).toEqual(c.mask);
    expect(r.tokens.shape).toEqual([g, g]);
    expect(Array.from(r.tokens.data)).toEqual(c.tokens);
    expect(r.fraction.data).toBeDeepCloseTo(c.fraction, 1e-7);
    expect(Array.from(transformMask(tensor(Uint8Array.from(c.input), [...c.shape, 1]), { ...c.options, label: 2 }).tokens.data)).toEqual(c.label2Tokens);
  });

  it('planted: one foreground pixel lands in the token transformKeypoints gives for it (enlarging, so nothing is dropped)', () => {
    const H = 30;
    const W = 40;
    const opts = { crop: 48, resize: 56, patch: 8 };
    for (const [y, x] of [
      [0, 0],
      [15, 20],
      [29, 39],
      [7, 33],
    ]) {
      const m = new Uint8Array(H * W);
      m[y * W + x] = 1;
      const r = transformMask(tensor(m, [H, W]), opts);
      const kp = transformKeypoints(tensor(new Float32Array([x, y]), [1, 2]), [H, W], opts);
      const on = Array.from(r.tokens.data).flatMap((v, i) => (v ? [i] : []));
      if (kp.inside[0]) expect(on).toContain(kp.tokens[0]);
      else expect(on).toEqual([]);
    }
  });

  it('keeps label values and dtype; rejects bad masks and crops that are not patch multiples', () => {
    const m = tensor(Uint16Array.from({ length: 20 * 20 }, (_, i) => (i % 20 < 10 ? 300 : 0)), [20, 20]);
    const r = transformMask(m, { crop: 16, resize: 16, patch: 8 });
    expect(r.mask.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(r.tokens.data)).toEqual([1, 0, 1, 0]);
    expect(r.fraction.data).toBeDeepCloseTo([1, 0, 1, 0], 0);
    expect(() => transformMask(tensor(new Uint8Array(12), [2, 2, 3]), {})).toThrow('`mask` of transformMask must be an [H,W] (or [H,W,1]) label map of integers. Got [2,2,3].');
    expect(() => transformMask(m, { crop: 15, patch: 8 })).toThrow('`options.crop` of transformMask must be a multiple of patch = 8 on both axes. Got [15,15].');
    expect(() => transformMask(m, { crop: 16, resize: 12, patch: 8 })).toThrow('`options.resize` of transformMask must be at least the crop size 16 (the short side after resizing must hold the crop). Got 12.');
  });
});

describe('transformKeypoints', () => {
  it('by hand: 300×400 image through Resize(256) → CenterCrop(224), patch 16', () => {
    // rh = 256, rw = ⌊256·400/300⌋ = 341; top = round(16) = 16, left = round(58.5) = 58 (half to even).
    const kp = transformKeypoints(tensor(new Float32Array([200, 150, 0, 0, 399, 10]), [3, 2]), [300, 400], { crop: 224, resize: 256 });
    const x0 = (200.5 * 341) / 400 - 0.5 - 58;
    const y0 = (150.5 * 256) / 300 - 0.5 - 16;
    expect(kp.points.data).toBeDeepCloseTo([x0, y0, (0.5 * 341) / 400 - 58.5, (0.5 * 256) / 300 - 16.5, (399.5 * 341) / 400 - 58.5, (10.5 * 256) / 300 - 16.5], 1e-4);
    expect(kp.grid).toEqual([14, 14]);
    expect(Array.from(kp.tokens)).toEqual([Math.floor((y0 + 0.5) / 16) * 14 + Math.floor((x0 + 0.5) / 16), -1, -1]);
    expect(Array.from(kp.inside)).toEqual([1, 0, 0]);
  });

  it('rejects bad points and sizes', () => {
    expect(() => transformKeypoints(tensor(new Float32Array(3), [1, 3]), [10, 10])).toThrow('`points` of transformKeypoints must be an [N,2] tensor of (x, y). Got [1,3].');
    expect(() => transformKeypoints(tensor(new Float32Array(2), [1, 2]), [10, 0] as [number, number])).toThrow(
      '`imageSize` of transformKeypoints must be the original [H, W] (positive integers). Got [10,0].',
    );
  });
});
