import { describe, expect, it } from 'vitest';
import { tensor } from '@vit/io';
import { preprocess } from './preprocess.js';
import { preprocessPreset } from './preprocessPreset.js';
import { preprocessPresets } from './preprocessPresets.js';

describe('preprocessPresets / preprocessPreset', () => {
  it('hold the families’ published eval transforms', () => {
    expect(preprocessPresets['imagenet-dino']).toEqual({
      resize: 256, crop: 224, cropPct: 0.875, interpolation: 'bicubic', antialias: true, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225],
    });
    expect(preprocessPresets.clip).toMatchObject({ resize: 224, crop: 224, interpolation: 'bicubic', mean: [0.48145466, 0.4578275, 0.40821073] });
    expect(preprocessPresets.torchvision).toMatchObject({ resize: 256, crop: 224, interpolation: 'bilinear' });
    expect(preprocessPresets['timm-augreg']).toMatchObject({ resize: 248, cropPct: 0.9, mean: [0.5, 0.5, 0.5] });
    expect(Object.isFrozen(preprocessPresets.clip)).toBe(true);
    // Every preset's resize is timm's ⌊crop / cropPct⌋.
    for (const p of Object.values(preprocessPresets)) expect(Math.floor(p.crop / p.cropPct!)).toBe(p.resize);
  });

  it('parses timm:<crop_pct>,<interp>[,<norm>] and scales resize with the crop as timm does', () => {
    expect(preprocessPreset('timm:0.875,bilinear')).toMatchObject({ resize: 256, crop: 224, cropPct: 0.875, interpolation: 'bilinear', mean: [0.485, 0.456, 0.406] });
    expect(preprocessPreset('timm:0.9,bicubic,inception')).toMatchObject({ resize: 248, mean: [0.5, 0.5, 0.5] });
    expect(preprocessPreset('timm:1.0,bicubic,clip', { crop: 336 })).toMatchObject({ resize: 336, crop: 336 });
    expect(preprocessPreset('imagenet-dino', { crop: 384 }).resize).toBe(438); // ⌊384 / 0.875⌋
    expect(preprocessPreset('timm:0.95,bicubic').resize).toBe(235); // ⌊224 / 0.95⌋ = ⌊235.79⌋
  });

  it('spreads into preprocess: Resize(256) → CenterCrop(224) differs from Resize(224) → CenterCrop(224)', () => {
    let s = 3;
    const img = tensor(Uint8Array.from({ length: 300 * 400 * 3 }, () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24), [300, 400, 3]);
    const dino = preprocess(img, preprocessPresets['imagenet-dino']);
    expect(dino.shape).toEqual([3, 224, 224]);
    const same = preprocess(img, { crop: 224, resize: 256, interpolation: 'bicubic', preset: 'imagenet' });
    expect(dino.data).toBeDeepCloseTo(same.data, 0);
    const old = preprocess(img, { size: 224 });
    expect(old.data).not.toBeDeepCloseTo(dino.data, 1e-3);
  });

  it('rejects unknown names with the accepted forms', () => {
    expect(() => preprocessPreset('dino')).toThrow(/^`name` of preprocessPreset must be one of imagenet-dino, mae, mocov3, torchvision, clip, timm-augreg, beit, imagenet, inception or timm:/);
    expect(() => preprocessPreset('timm:1.5,bicubic')).toThrow(/Got "timm:1.5,bicubic"\.$/);
    expect(() => preprocessPreset('timm:0.9,lanczos')).toThrow(/must be one of/);
  });
});
