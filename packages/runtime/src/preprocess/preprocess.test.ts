import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VitValueError, tensor } from '@vit/io';
import type { Tensor } from '@vit/io';
import { centerCrop } from './centerCrop.js';
import { normalizationPresets } from './normalizationPresets.js';
import type { NormalizationPreset } from './normalizationPresets.js';
import { preprocess } from './preprocess.js';
import { preprocessBatch } from './preprocessBatch.js';
import { resizeBicubic } from './resizeBicubic.js';

interface PreCase {
  shape: [number, number, 3];
  size: number;
  preset: NormalizationPreset;
  input: number[];
  expected: number[];
}
const fixture = JSON.parse(
  readFileSync(new URL('../../../../tools/preprocess-fixtures/fixtures/pil-preprocess.json', import.meta.url), 'utf8'),
) as { pillow: string; cases: PreCase[] };

function noise(H: number, W: number, C: number, seed: number): Tensor<Uint8Array> {
  let s = seed;
  return tensor(Uint8Array.from({ length: H * W * C }, () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24), [H, W, C]);
}

describe('normalizationPresets', () => {
  it('hold the SPEC constants exactly and are frozen', () => {
    expect(normalizationPresets).toEqual({
      imagenet: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
      clip: { mean: [0.48145466, 0.4578275, 0.40821073], std: [0.26862954, 0.26130258, 0.27577711] },
      inception: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
    });
    expect(Object.isFrozen(normalizationPresets.clip.mean)).toBe(true);
  });
});

describe('preprocess against the torchvision transform (Pillow + numpy float32)', () => {
  for (const c of fixture.cases) {
    it(`[${c.shape.join(',')}] → [3,${c.size},${c.size}] ${c.preset} equals the fixture to 1e-6`, () => {
      const got = preprocess(tensor(Uint8Array.from(c.input), c.shape), { size: c.size, preset: c.preset });
      expect(got.shape).toEqual([3, c.size, c.size]);
      // Same uint8 pixels and the same float32 operations; 1e-6 leaves room for one ulp.
      expect(got.data).toBeDeepCloseTo(c.expected, 1e-6);
    });
  }
});

describe('preprocess', () => {
  it('is resize → crop → /255 → normalise, composed from the public pieces', () => {
    const img = noise(30, 47, 3, 1);
    const S = 20;
    const resized = resizeBicubic(img, S, Math.floor((S * 47) / 30));
    const crop = centerCrop(resized, S);
    const { mean, std } = normalizationPresets.clip;
    const want = new Float32Array(3 * S * S);
    for (let c = 0; c < 3; c++) for (let i = 0; i < S * S; i++) want[c * S * S + i] = (crop.data[i * 3 + c] / 255 - mean[c]) / std[c];
    expect(preprocess(img, { size: S, preset: 'clip' }).data).toBeDeepCloseTo(want, 1e-6);
  });

  it('by hand: a uniform image becomes (v/255 − mean)/std in every pixel', () => {
    const img = tensor(new Uint8Array(50 * 40 * 3).fill(51), [50, 40, 3]);
    const x = preprocess(img, { size: 8, mean: [0.1, 0.2, 0.3], std: [0.5, 0.25, 2] });
    const per = [(0.2 - 0.1) / 0.5, (0.2 - 0.2) / 0.25, (0.2 - 0.3) / 2];
    expect(x.data).toBeDeepCloseTo(per.flatMap((v) => new Array(64).fill(v)), 1e-6);
  });

  it('non-square size covers then crops; RGBA drops alpha; views are copied once', () => {
    const img = noise(33, 21, 3, 2);
    const x = preprocess(img, { size: [16, 12] });
    expect(x.shape).toEqual([3, 16, 12]);
    // 21/12 > 33/16? no: 16/33 = 0.485 < 12/21 = 0.571 → width becomes 12, height ⌊12·33/21⌋ = 18, crop rows 1..17.
    const want = preprocess(centerCrop(resizeBicubic(img, 18, 12), [16, 12]), { size: [16, 12] });
    expect(x.data).toBeDeepCloseTo(want.data, 0);
    const rgba = tensor(new Uint8Array(33 * 21 * 4), [33, 21, 4]);
    for (let i = 0; i < 33 * 21; i++) {
      rgba.data.set(img.data.subarray(i * 3, i * 3 + 3), i * 4);
      rgba.data[i * 4 + 3] = i % 256;
    }
    expect(preprocess(rgba, { size: [16, 12] }).data).toBeDeepCloseTo(x.data, 0);
    const bigger = noise(40, 30, 3, 3);
    const view = bigger.hi(33, 21, 3);
    const copy = tensor(Uint8Array.from({ length: 33 * 21 * 3 }, (_, i) => view.get(Math.floor(i / 63), Math.floor(i / 3) % 21, i % 3)), [33, 21, 3]);
    expect(preprocess(view, { size: 10 }).data).toBeDeepCloseTo(preprocess(copy, { size: 10 }).data, 0);
  });

  it('defaults to 224 and imagenet', () => {
    const img = noise(240, 320, 3, 4);
    const x = preprocess(img);
    expect(x.shape).toEqual([3, 224, 224]);
    expect(x.data).toBeDeepCloseTo(preprocess(img, { size: 224, preset: 'imagenet' }).data, 0);
  });

  it('rejects bad input with one line naming the argument', () => {
    const img = noise(10, 10, 3, 5);
    expect(() => preprocess(tensor(new Float32Array(300), [10, 10, 3]) as unknown as Tensor<Uint8Array>)).toThrow(
      '`image` of preprocess must be an [H,W,C] uint8 ndarray tensor. Got Float32Array.',
    );
    expect(() => preprocess(noise(10, 10, 1, 1))).toThrow('`image` of preprocess must have shape [H,W,C] with C ∈ {3,4}. Got [10,10,1].');
    expect(() => preprocess(img, { preset: 'vgg' as NormalizationPreset })).toThrow(
      '`options.preset` of preprocess must be one of imagenet, clip, inception. Got "vgg".',
    );
    expect(() => preprocess(img, { std: [1, 0, 1] })).toThrow('`options.std` of preprocess must be 3 finite positive numbers (R, G, B). Got [1,0,1].');
    expect(() => preprocess(img, { mean: [1, 2] as unknown as [number, number, number] })).toThrow(VitValueError);
    expect(() => preprocess(img, { size: -3 })).toThrow('`options.size` of preprocess must be a positive integer or an [h, w] pair of them. Got -3.');
  });
});

describe('preprocessBatch', () => {
  it('stacks preprocess of each image into [B,3,S,S]', () => {
    const imgs = [noise(30, 40, 3, 1), noise(25, 25, 3, 2), noise(50, 20, 4, 3)];
    const b = preprocessBatch(imgs, { size: 12, preset: 'inception' });
    expect(b.shape).toEqual([3, 3, 12, 12]);
    imgs.forEach((img, i) => {
      expect(b.data.subarray(i * 432, (i + 1) * 432)).toBeDeepCloseTo(preprocess(img, { size: 12, preset: 'inception' }).data, 0);
    });
  });
  it('names the bad image by index; rejects an empty list', () => {
    expect(() => preprocessBatch([noise(8, 8, 3, 1), noise(8, 8, 2, 1)], { size: 4 })).toThrow(
      '`images[1]` of preprocessBatch must have shape [H,W,C] with C ∈ {3,4}. Got [8,8,2].',
    );
    expect(() => preprocessBatch([])).toThrow('`images` of preprocessBatch must be a non-empty array of [H,W,3] uint8 tensors. Got an empty array.');
  });
});
