import { describe, expect, it } from 'vitest';
import { tensor } from '@vit/io';
import { buildViT } from '../builder/buildViT.js';
import type { ViTConfig } from '../builder/types.js';
import { canonicalTaps } from './canonicalTaps.js';
import { inspectModel } from './inspectModel.js';
import { instrumentModel } from './instrumentModel.js';
import { maxAbsDiff, runOnce } from './testFixtures.js';
import { TAP_NAMES } from './types.js';

// Cross-check with the ViT builder: the same seeded weights built twice — once with no tap outputs
// (what the instrumentation reads, structure only) and once with the builder's native taps
// (`<tap>.<l>`, canonical layouts) as the reference.
const CONFIGS: { name: string; config: ViTConfig; prefix: number }[] = [
  { name: 'timm-like', config: { imageSize: 32, patchSize: 8, dim: 32, depth: 2, heads: 4 }, prefix: 1 },
  {
    name: 'BEiT-like: registers, LayerScale, relative position bias, q/v bias',
    config: { imageSize: 32, patchSize: 8, dim: 32, depth: 2, heads: 2, registers: 3, layerScale: true, relPosBias: true, qkvBias: 'qv' },
    prefix: 4,
  },
  {
    name: 'CLIP-like pre-norm, non-square 24×32, QuickGELU',
    config: { imageSize: [24, 32], patchSize: 8, dim: 32, depth: 2, heads: 2, preNorm: true, mlpAct: 'quickGelu' },
    prefix: 1,
  },
  { name: 'no CLS, average pooling', config: { imageSize: 32, patchSize: 8, dim: 32, depth: 2, heads: 2, classToken: false, pool: 'avg' }, prefix: 0 },
];

describe.each(CONFIGS)('builder model: $name', ({ config, prefix }) => {
  it('is read with the config’s numbers and taps equal to the builder’s native outputs (1e-5)', async () => {
    const bare = buildViT(config, undefined, { taps: [], seed: 7 });
    const native = buildViT(config, undefined, { taps: [...TAP_NAMES], seed: 7 });
    const [h, w] = typeof config.imageSize === 'number' ? [config.imageSize, config.imageSize] : config.imageSize;
    const grid = [h / 8, w / 8];
    const info = await inspectModel(bare);
    expect([info.layers, info.heads, info.dim, info.prefixTokens, info.grid, info.imageSize, info.patch]).toEqual([
      config.depth,
      config.heads,
      config.dim,
      prefix,
      grid,
      [h, w],
      8,
    ]);
    const x = new Float32Array(2 * 3 * h * w);
    for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.37) * 1.5;
    const pixels = tensor(x, [2, 3, h, w]);
    const inst = await instrumentModel(bare, { taps: [...TAP_NAMES], info });
    const taps = canonicalTaps(await runOnce(inst.bytes, info.input.name, pixels), inst.outputs, info, 2);
    const ref = await runOnce(native, info.input.name, pixels);
    for (const tap of TAP_NAMES) {
      for (let l = 1; l <= config.depth; l++) {
        const r = ref[`${tap}.${l}`];
        expect(r, `${tap}.${l}`).toBeDefined();
        expect(maxAbsDiff(taps[tap]![l - 1], tensor(r.data, r.dims)), `${tap}.${l}`).toBeLessThan(1e-5);
      }
    }
  });
});
