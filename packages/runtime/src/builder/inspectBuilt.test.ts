import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseSafetensors } from '@vit/io';
import { inspectModel } from '../instrument/inspectModel.js';
import { TAP_NAMES } from '../instrument/types.js';
import { buildViT } from './buildViT.js';
import { resolveViTConfig } from './resolveViTConfig.js';
import type { ViTConfig } from './types.js';

// Built models must read correctly through the instrumentation (what `vit inspect` prints).
const FIXTURES = fileURLToPath(new URL('../../fixtures/builder/', import.meta.url));

describe.each(['plain', 'registers', 'beit', 'gap', 'clip'])('inspectModel on the built %s model', (c) => {
  it('finds L, H, D, T, P, grid, patch and every tap at its own output', async () => {
    const config: ViTConfig = JSON.parse(readFileSync(`${FIXTURES}${c}/config.json`, 'utf8'));
    const ckpt = parseSafetensors(readFileSync(`${FIXTURES}${c}/weights.safetensors`));
    const r = resolveViTConfig(config);
    const info = await inspectModel(buildViT(config, ckpt, { taps: TAP_NAMES }));
    expect({
      layers: info.layers,
      heads: info.heads,
      dim: info.dim,
      tokens: info.tokens,
      prefixTokens: info.prefixTokens,
      grid: info.grid,
      patch: info.patch,
      imageSize: info.imageSize,
      input: info.input,
      norm: info.norm,
    }).toEqual({
      layers: r.depth,
      heads: r.heads,
      dim: r.dim,
      tokens: r.tokens,
      prefixTokens: r.prefixTokens,
      grid: r.grid,
      patch: r.patchSize[0],
      imageSize: r.imageSize,
      input: { name: 'pixel_values', batch: null, channels: 3 },
      norm: 'LayerNormalization',
    });
    for (const tap of ['attention', 'block', 'attnIn', 'mlpIn', 'attnBranch', 'mlpSkip', 'mlpBranch'] as const) {
      expect(info.tensors[tap].map((t) => t.name), tap).toEqual(Array.from({ length: r.depth }, (_, i) => `${tap}.${i + 1}`));
      expect(info.tensors[tap].every((t) => t.layout === (tap === 'attention' ? 'BHTT' : 'BTD'))).toBe(true);
    }
  });
});
