import { describe, expect, it } from 'vitest';
import { resolveViTConfig } from './resolveViTConfig.js';
import type { ViTConfig } from './types.js';

const base: ViTConfig = { imageSize: 224, patchSize: 16, dim: 768, depth: 12, heads: 12 };

describe('resolveViTConfig', () => {
  it("fills timm's defaults and derives grid, prefix and tokens", () => {
    expect(resolveViTConfig(base)).toEqual({
      imageSize: [224, 224],
      patchSize: [16, 16],
      dim: 768,
      depth: 12,
      heads: 12,
      mlpDim: 3072,
      mlpAct: 'gelu',
      inChannels: 3,
      classToken: true,
      registers: 0,
      posEmbed: 'learned',
      noEmbedClass: false,
      preNorm: false,
      qkvBias: 'qkv',
      layerScale: false,
      relPosBias: false,
      sharedRelPosBias: false,
      finalNorm: 'tokens',
      pool: 'cls',
      numClasses: 0,
      patchBias: true,
      headBias: true,
      layerNormEps: 1e-6,
      grid: [14, 14],
      prefixTokens: 1,
      tokens: 197,
    });
  });

  it('handles non-square inputs and patches, registers and no CLS', () => {
    const c = resolveViTConfig({ ...base, imageSize: [224, 160], patchSize: [16, 8], registers: 4 });
    expect([c.grid, c.prefixTokens, c.tokens]).toEqual([[14, 20], 5, 285]);
    const gap = resolveViTConfig({ ...base, classToken: false });
    expect([gap.pool, gap.prefixTokens, gap.tokens]).toEqual(['avg', 0, 196]);
  });

  it('accepts its own output back, checking the derived fields', () => {
    const r = resolveViTConfig({ ...base, registers: 4 });
    expect(resolveViTConfig(r)).toEqual(r);
    expect(() => resolveViTConfig({ ...r, tokens: 197 } as ViTConfig)).toThrow('`config.tokens` of resolveViTConfig must be 201 (prefix + gh·gw) or absent. Got 197.');
    expect(() => resolveViTConfig({ ...r, grid: [7, 7] } as ViTConfig)).toThrow('`config.grid` of resolveViTConfig must be [14,14] (imageSize / patchSize) or absent. Got [7,7].');
  });

  it('names the inconsistent field', () => {
    const bad = (c: Partial<ViTConfig> & Record<string, unknown>) => () => resolveViTConfig({ ...base, ...c } as ViTConfig);
    expect(bad({ heads: 7 })).toThrow('`config.heads` of resolveViTConfig must be a divisor of `config.dim` = 768. Got 7.');
    expect(bad({ imageSize: [224, 200] })).toThrow('`config.imageSize` of resolveViTConfig must be a multiple of `config.patchSize` (16×16) on each axis. Got [224,200].');
    expect(bad({ patchSize: [16, 0] })).toThrow('`config.patchSize` of resolveViTConfig must be a positive integer or a pair [h, w] of positive integers. Got [16,0].');
    expect(bad({ dim: 76.8 })).toThrow('`config.dim` of resolveViTConfig must be a positive integer. Got 76.8.');
    expect(bad({ depth: undefined })).toThrow('`config.depth` of resolveViTConfig must be given (a positive integer). Got nothing.');
    expect(bad({ registers: -1 })).toThrow('`config.registers` of resolveViTConfig must be a non-negative integer. Got -1.');
    expect(bad({ classToken: false, pool: 'cls' })).toThrow("`config.pool` of resolveViTConfig must be 'avg' when `config.classToken` is false. Got \"cls\".");
    expect(bad({ pool: 'max' as never })).toThrow("`config.pool` of resolveViTConfig must be one of 'cls' | 'avg'. Got \"max\".");
    expect(bad({ relPosBias: true, sharedRelPosBias: true })).toThrow(
      '`config.sharedRelPosBias` of resolveViTConfig must be false when `config.relPosBias` is true (per-block and shared tables exclude each other). Got true.',
    );
    expect(bad({ layerNormEps: 0 })).toThrow('`config.layerNormEps` of resolveViTConfig must be a positive number. Got 0.');
    expect(bad({ layerScal: true })).toThrow(/^`config.layerScal` of resolveViTConfig is not a ViT config field \(known: imageSize, patchSize/);
    expect(() => resolveViTConfig(null as never)).toThrow('`config` of resolveViTConfig must be a ViT config object. Got null.');
    try {
      bad({ heads: 5 })();
    } catch (e) {
      expect((e as { code: string }).code).toBe('VIT_CONFIG');
    }
  });
});
