import { describe, expect, it } from 'vitest';
import { inspectModel } from '../instrument/inspectModel.js';
import { buildViT } from './buildViT.js';
import { resolveViTConfig } from './resolveViTConfig.js';
import { vitPresets } from './vitPresets.js';
import { vitParameterCount } from './vitParameterCount.js';
import type { ResolvedViTConfig } from './types.js';

/** Parameter count written out layer by layer (a second, independent computation). */
function countByHand(c: ResolvedViTConfig): number {
  const D = c.dim;
  const ln = 2 * D;
  let n = D * c.inChannels * c.patchSize[0] * c.patchSize[1] + (c.patchBias ? D : 0);
  n += (c.classToken ? D : 0) + c.registers * D;
  if (c.posEmbed === 'learned') n += ((c.noEmbedClass ? 0 : c.prefixTokens) + c.grid[0] * c.grid[1]) * D;
  if (c.preNorm) n += ln;
  if (c.sharedRelPosBias) n += ((2 * c.grid[0] - 1) * (2 * c.grid[1] - 1) + 3) * c.heads;
  const qkvBias = c.qkvBias === 'qkv' ? 3 * D : c.qkvBias === 'qv' ? 2 * D : 0;
  const rel = c.relPosBias ? ((2 * c.grid[0] - 1) * (2 * c.grid[1] - 1) + 3) * c.heads : 0;
  const block = ln + 3 * D * D + qkvBias + rel + D * D + D + (c.layerScale ? 2 * D : 0) + ln + 2 * D * c.mlpDim + c.mlpDim + D;
  n += c.depth * block;
  if (c.finalNorm !== 'none') n += ln;
  if (c.numClasses) n += c.numClasses * D + (c.headBias ? c.numClasses : 0);
  return n;
}

const count = (c: ResolvedViTConfig) => vitParameterCount(c);

describe.each(Object.entries(vitPresets))('preset %s', (name, preset) => {
  it('resolves, and its preprocessing matches its input', () => {
    const c = resolveViTConfig(preset.config);
    expect(preset.preprocessing.inputSize).toEqual([3, ...c.imageSize]);
    expect(c.dim % c.heads).toBe(0);
    expect(name).toMatch(new RegExp(`_patch${c.patchSize[0]}_(clip_)?${c.imageSize[0]}$`));
    expect(count(c)).toBe(countByHand(c));
  });
});

describe('vitPresets', () => {
  it("has the paper's architectures with timm's parameter counts", () => {
    const params = (name: string) => count(resolveViTConfig(vitPresets[name].config));
    // As timm reports them (1000-class heads).
    expect(params('vit_small_patch16_224')).toBe(22_050_664);
    expect(params('vit_base_patch16_224')).toBe(86_567_656);
    expect(params('vit_base_patch32_224')).toBe(88_224_232);
    expect(params('vit_large_patch16_224')).toBe(304_326_632);
    expect(Object.keys(vitPresets).sort()).toEqual([
      'beit_base_patch16_224',
      'vit_base_patch16_224',
      'vit_base_patch16_clip_224',
      'vit_base_patch32_224',
      'vit_base_patch8_224',
      'vit_huge_patch14_224',
      'vit_large_patch14_224',
      'vit_large_patch14_clip_224',
      'vit_large_patch16_224',
      'vit_small_patch16_224',
      'vit_small_patch8_224',
    ]);
    const h = resolveViTConfig(vitPresets.vit_huge_patch14_224.config);
    expect([h.grid, h.tokens, h.dim / h.heads, h.mlpDim]).toEqual([[16, 16], 257, 80, 5120]);
  });
});

describe('a preset at full size', () => {
  it('ViT-S/16 builds (random weights) and reads back as 12 layers, 6 heads, 384 wide, 197 tokens', async () => {
    const { config, preprocessing } = vitPresets.vit_small_patch16_224;
    const bytes = buildViT(config, undefined, { layers: [-1], preprocessing });
    expect(bytes.length).toBeGreaterThan(4 * 22_050_664);
    const info = await inspectModel(bytes);
    expect([info.layers, info.heads, info.dim, info.tokens, info.prefixTokens, info.grid, info.patch, info.imageSize]).toEqual([12, 6, 384, 197, 1, [14, 14], 16, [224, 224]]);
  });
});
