import { describe, expect, it } from 'vitest';
import { randomViTWeights } from './randomViTWeights.js';
import type { ViTConfig } from './types.js';

const cfg: ViTConfig = { imageSize: 32, patchSize: 8, dim: 64, depth: 2, heads: 4, registers: 2, layerScale: true, numClasses: 10 };

function moments(a: ArrayLike<number>): { mean: number; std: number; min: number; max: number } {
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < a.length; i++) {
    s += a[i];
    min = Math.min(min, a[i]);
    max = Math.max(max, a[i]);
  }
  const mean = s / a.length;
  let v = 0;
  for (let i = 0; i < a.length; i++) v += (a[i] - mean) ** 2;
  return { mean, std: Math.sqrt(v / a.length), min, max };
}


describe('randomViTWeights', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = randomViTWeights(cfg, { seed: 42 });
    const b = randomViTWeights(cfg, { seed: 42 });
    const c = randomViTWeights(cfg, { seed: 43 });
    for (const k of Object.keys(a)) expect(b[k].data, k).toEqual(a[k].data);
    expect(c['blocks.0.attn.qkv.weight'].data).not.toEqual(a['blocks.0.attn.qkv.weight'].data);
    expect(randomViTWeights(cfg)['pos_embed'].data).toEqual(randomViTWeights(cfg, { seed: 0 })['pos_embed'].data);
  });

  it('each tensor depends only on (seed, name, shape): deeper models keep the first blocks', () => {
    const shallow = randomViTWeights(cfg, { seed: 3 });
    const deep = randomViTWeights({ ...cfg, depth: 4 }, { seed: 3 });
    for (const k of Object.keys(shallow)) expect(deep[k].data, k).toEqual(shallow[k].data);
  });

  it("initialises as timm's VisionTransformer.init_weights", () => {
    const w = randomViTWeights(cfg, { seed: 9, layerScaleInit: 0.25 });
    expect(Object.keys(w)).toEqual([
      'patch_embed.proj.weight', 'patch_embed.proj.bias', 'cls_token', 'reg_token', 'pos_embed',
      ...[0, 1].flatMap((i) => [
        `blocks.${i}.norm1.weight`, `blocks.${i}.norm1.bias`, `blocks.${i}.attn.qkv.weight`, `blocks.${i}.attn.qkv.bias`,
        `blocks.${i}.attn.proj.weight`, `blocks.${i}.attn.proj.bias`, `blocks.${i}.ls1.gamma`, `blocks.${i}.norm2.weight`,
        `blocks.${i}.norm2.bias`, `blocks.${i}.mlp.fc1.weight`, `blocks.${i}.mlp.fc1.bias`, `blocks.${i}.mlp.fc2.weight`,
        `blocks.${i}.mlp.fc2.bias`, `blocks.${i}.ls2.gamma`,
      ]),
      'norm.weight', 'norm.bias', 'head.weight', 'head.bias',
    ]);
    expect(w['blocks.0.attn.qkv.weight'].shape).toEqual([192, 64]);
    expect(w['pos_embed'].shape).toEqual([1, 3 + 16, 64]); // CLS + 2 registers + 4×4 patches
    const fc1 = moments(w['blocks.1.mlp.fc1.weight'].data as Float32Array); // 16384 values
    expect(Math.abs(fc1.mean)).toBeLessThan(0.001);
    expect(Math.abs(fc1.std - 0.02)).toBeLessThan(0.0005);
    const cls = moments(w['cls_token'].data as Float32Array);
    expect(cls.max).toBeLessThan(1e-5);
    expect(cls.std).toBeGreaterThan(0);
    const conv = moments(w['patch_embed.proj.weight'].data as Float32Array); // U(±1/√192)
    expect(conv.max).toBeLessThanOrEqual(1 / Math.sqrt(192));
    expect(conv.min).toBeGreaterThanOrEqual(-1 / Math.sqrt(192));
    expect(Math.abs(conv.std - 1 / Math.sqrt(192) / Math.sqrt(3))).toBeLessThan(0.002);
    expect(Array.from(w['blocks.0.attn.qkv.bias'].data as Float32Array).every((v) => v === 0)).toBe(true);
    expect(Array.from(w['norm.weight'].data as Float32Array).every((v) => v === 1)).toBe(true);
    expect(Array.from(w['blocks.1.ls2.gamma'].data as Float32Array).every((v) => v === 0.25)).toBe(true);
  });

  it("includes BEiT's relative position index as int64", () => {
    const w = randomViTWeights({ ...cfg, registers: 0, relPosBias: true, qkvBias: 'qv' });
    const idx = w['blocks.0.attn.relative_position_index'];
    expect(idx.data).toBeInstanceOf(BigInt64Array);
    expect(idx.shape).toEqual([17, 17]);
    expect(w['blocks.0.attn.relative_position_bias_table'].shape).toEqual([7 * 7 + 3, 4]);
    expect(Object.keys(w)).toContain('blocks.0.attn.q_bias');
  });

  it('refuses a bad seed', () => {
    expect(() => randomViTWeights(cfg, { seed: 1.5 })).toThrow('`seed` of randomViTWeights must be a safe integer. Got 1.5.');
  });
});
