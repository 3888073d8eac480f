import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseSafetensors, tensor, type SafetensorsResult } from '@vit/io';
import { inferViTConfig, type InferViTConfigOptions } from './inferViTConfig.js';
import { randomViTWeights } from './randomViTWeights.js';
import { resolveViTConfig } from './resolveViTConfig.js';
import type { ViTConfig } from './types.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/builder/', import.meta.url));
const fixture = (c: string): { config: ViTConfig; ckpt: SafetensorsResult } => ({
  config: JSON.parse(readFileSync(`${FIXTURES}${c}/config.json`, 'utf8')),
  ckpt: parseSafetensors(readFileSync(`${FIXTURES}${c}/weights.safetensors`)),
});

describe('inferViTConfig', () => {
  // What shapes cannot tell is passed; everything else must come back exactly.
  const cases: [string, InferViTConfigOptions][] = [
    ['plain', { heads: 2 }],
    ['registers', { heads: 2, imageSize: [24, 16] }], // non-square grid 3×2
    ['beit', { imageSize: [16, 24] }], // heads from the relative position table
    ['gap', { heads: 4, imageSize: [12, 16] }],
    ['clip', { heads: 4, layerNormEps: 1e-5, mlpAct: 'quickGelu' }],
  ];
  it.each(cases)('recovers the config of the %s fixture from its checkpoint', (c, options) => {
    const { config, ckpt } = fixture(c);
    expect(resolveViTConfig(inferViTConfig(ckpt, options))).toEqual(resolveViTConfig(config));
  });

  it("uses timm's heads per width, and a square grid from pos_embed", () => {
    const small: ViTConfig = { imageSize: 48, patchSize: 16, dim: 384, depth: 1, heads: 6, mlpDim: 64 };
    expect(resolveViTConfig(inferViTConfig(randomViTWeights(small)))).toEqual(resolveViTConfig(small));
    const huge: ViTConfig = { ...small, dim: 1280, heads: 16 }; // ViT-H: head width 80, not 64
    expect(inferViTConfig(randomViTWeights(huge)).heads).toBe(16);
    const odd: ViTConfig = { ...small, dim: 640, heads: 10 };
    expect(inferViTConfig(randomViTWeights(odd)).heads).toBe(10); // 640 / 64
  });

  it("reads BEiT's shared relative position bias (heads and grid from its table)", () => {
    const beit: ViTConfig = { imageSize: 48, patchSize: 16, dim: 32, depth: 2, heads: 4, posEmbed: 'none', sharedRelPosBias: true, qkvBias: 'qv', layerScale: true };
    expect(resolveViTConfig(inferViTConfig(randomViTWeights(beit)))).toEqual(resolveViTConfig(beit));
  });

  it('reads noEmbedClass from the length of pos_embed', () => {
    const reg: ViTConfig = { imageSize: 32, patchSize: 8, dim: 64, depth: 1, heads: 1, registers: 4, noEmbedClass: true };
    const inferred = inferViTConfig(randomViTWeights(reg), { heads: 1 });
    expect([inferred.noEmbedClass, inferred.registers, inferred.imageSize]).toEqual([true, 4, [32, 32]]);
    const embedded = inferViTConfig(randomViTWeights({ ...reg, noEmbedClass: false }), { heads: 1 });
    expect([embedded.noEmbedClass, embedded.imageSize]).toEqual([false, [32, 32]]);
  });

  it('names what it cannot infer', () => {
    const { ckpt } = fixture('plain');
    expect(() => inferViTConfig(ckpt)).toThrow('`options.heads` of inferViTConfig is needed: the checkpoint (width 32) does not tell the number of heads. Pass `heads`.');
    const { ckpt: reg } = fixture('registers');
    const { ckpt: gap } = fixture('gap'); // no CLS, a 3×4 grid
    expect(() => inferViTConfig(gap, { heads: 4 })).toThrow('`options.imageSize` of inferViTConfig is needed: `pos_embed` has 12 rows, which is not a square grid. Pass imageSize: [h, w].');
    expect(() => inferViTConfig(reg, { heads: 2, imageSize: [16, 16] })).toThrow(
      "`checkpoint['pos_embed']` of inferViTConfig has 6 rows, but `options.imageSize` 16×16 with patch 8×8 gives 4 patches and 5 prefix tokens.",
    );
    const { ckpt: beit } = fixture('beit');
    expect(() => inferViTConfig(beit, { heads: 4, imageSize: [16, 24] })).toThrow('`options.heads` of inferViTConfig is 4 but `blocks.0.attn.relative_position_bias_table` has 2 heads.');
  });

  it('names a key it needs that is missing or malformed', () => {
    const { ckpt } = fixture('plain');
    const without = (...keys: string[]) => ({ ...Object.fromEntries(Object.entries(ckpt.tensors).filter(([k]) => !keys.includes(k))) });
    expect(() => inferViTConfig(without('patch_embed.proj.weight'), { heads: 2 })).toThrow(
      '`checkpoint` of inferViTConfig lacks `patch_embed.proj.weight`, needed to read width, channels and patch size [D,C,ph,pw].',
    );
    const gap = without(...Object.keys(ckpt.tensors).filter((k) => k.startsWith('blocks.0.')));
    expect(() => inferViTConfig(gap, { heads: 2 })).toThrow('`checkpoint` of inferViTConfig has blocks up to `blocks.1` but no `blocks.0.*`.');
    const flat = { ...ckpt.tensors, 'patch_embed.proj.weight': tensor(new Float32Array(32 * 192), [32, 192]) };
    expect(() => inferViTConfig(flat, { heads: 2 })).toThrow(
      "`checkpoint['patch_embed.proj.weight']` of inferViTConfig must have rank 4 (width, channels and patch size [D,C,ph,pw]). Got shape [32,192].",
    );
    expect(() => inferViTConfig({ 'patch_embed.proj.weight': ckpt.tensors['patch_embed.proj.weight'] })).toThrow(
      '`checkpoint` of inferViTConfig has no `blocks.{i}.*` keys; is it a timm ViT checkpoint?',
    );
  });

  it('refuses an image size that is not a multiple of the patch', () => {
    const { ckpt } = fixture('plain');
    expect(() => inferViTConfig(ckpt, { heads: 2, imageSize: [20, 16] })).toThrow('`config.imageSize` of inferViTConfig must be a multiple of `config.patchSize` (8×8) on each axis. Got [20,16].');
  });
});
