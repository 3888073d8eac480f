import { describe, expect, it } from 'vitest';
import { tensor } from '@vit/io';
import { transformMask } from '@vit/runtime';
import { modelTransform } from './modelTransform.js';

describe('modelTransform', () => {
  it('scales a crop_pct preset as timm does and keeps the covering resize of crop_pct 1 presets', () => {
    expect(modelTransform({ preset: 'imagenet-dino', imageSize: [224, 224] })).toMatchObject({ resize: 256, crop: [224, 224], interpolation: 'bicubic' });
    expect(modelTransform({ preset: 'imagenet-dino', imageSize: [384, 384] })).toMatchObject({ resize: 438, crop: [384, 384] });
    const clip = modelTransform({ preset: 'clip', imageSize: [32, 32] });
    expect(clip.resize).toBeUndefined();
    expect(clip.mean).toEqual([0.48145466, 0.4578275, 0.40821073]);
  });

  it('puts a mask where the model saw it: a 20×24 mask, short side → 32, centre crop 32×32', () => {
    // Foreground = columns 0–3 of 24: after resizing to 32×38 source column ⌊(x + 3 + ½)·24/38⌋ < 4 keeps x = 0–2 of the crop (3 columns off the left).
    const m = new Uint8Array(20 * 24);
    for (let y = 0; y < 20; y++) for (let x = 0; x < 4; x++) m[y * 24 + x] = 1;
    const t = transformMask(tensor(m, [20, 24]), { ...modelTransform({ preset: 'imagenet', imageSize: [32, 32] }), patch: 8 });
    expect(t.mask.shape).toEqual([32, 32]);
    expect(Array.from(t.tokens.data)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
    expect(t.fraction.data[0]).toBeCloseTo(3 / 8, 6); // 3 of the token’s 8 columns
  });
});
