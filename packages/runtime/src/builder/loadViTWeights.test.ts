import { describe, expect, it } from 'vitest';
import { parseSafetensors, serializeSafetensors, tensor, type Tensor, type TypedArray } from '@vit/io';
import { buildViT } from './buildViT.js';
import { randomViTWeights } from './randomViTWeights.js';
import type { ViTConfig } from './types.js';

// Checkpoint checks, seen through buildViT (the public entry point).
const cfg: ViTConfig = { imageSize: 16, patchSize: 8, dim: 16, depth: 2, heads: 2, numClasses: 3 };
const fresh = (c: ViTConfig = cfg) => randomViTWeights(c, { seed: 1 });
const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
};

describe('buildViT checkpoint checks', () => {
  it('accepts its own random weights, as tensors and through safetensors', () => {
    const w = fresh();
    expect(buildViT(cfg, w)).toEqual(buildViT(cfg, undefined, { seed: 1 }));
    expect(buildViT(cfg, parseSafetensors(serializeSafetensors(w)))).toEqual(buildViT(cfg, w));
  });

  it('names a missing key, with a hint', () => {
    const w = fresh();
    delete w['blocks.1.mlp.fc2.bias'];
    expect(() => buildViT(cfg, w)).toThrow('`weights` of buildViT lacks `blocks.1.mlp.fc2.bias` (shape [16]), which the config needs (inferViTConfig reads the config from a checkpoint).');
    expect(codeOf(() => buildViT(cfg, w))).toBe('VIT_WEIGHT_MISSING');
    const noHead = fresh({ ...cfg, numClasses: 0 });
    expect(() => buildViT(cfg, noHead)).toThrow(/lacks `head.weight` \(shape \[3,16\]\), which the config needs \(`config.numClasses` is 3; set it to 0/);
    const deeper = fresh({ ...cfg, depth: 1 });
    expect(() => buildViT(cfg, deeper)).toThrow(/lacks `blocks.1.norm1.weight` .* \(the checkpoint has 1 blocks; set `config.depth` to 1\)/);
  });

  it('names unknown keys unless strict is false', () => {
    const w = { ...fresh(), 'extra.weight': tensor(new Float32Array(4), [4]) };
    expect(() => buildViT(cfg, w)).toThrow('`weights` of buildViT has a key the config does not use: `extra.weight` (pass strict: false to ignore extra keys).');
    expect(codeOf(() => buildViT(cfg, w))).toBe('VIT_WEIGHT_UNKNOWN');
    expect(buildViT(cfg, w, { strict: false })).toEqual(buildViT(cfg, fresh()));
    const withHead = fresh();
    expect(() => buildViT({ ...cfg, numClasses: 0 }, withHead)).toThrow(/has keys the config does not use: `head.weight`, `head.bias` \(`config.numClasses` is 0, or pass strict: false/);
    expect(() => buildViT(cfg, { ...fresh(), mask_token: tensor(new Float32Array(16), [1, 1, 16]) })).toThrow(
      '`weights` of buildViT has a key the config does not use: `mask_token` (pretraining-only weights such as a mask token or a decoder are not used at inference; pass strict: false).',
    );
    const beitStyle = fresh({ ...cfg, qkvBias: 'qv' });
    expect(() => buildViT(cfg, beitStyle)).toThrow(/lacks `blocks.0.attn.qkv.bias` .*set `config.qkvBias` to 'qv'/);
  });

  it('names a shape mismatch with the config fields behind it', () => {
    const other = fresh({ ...cfg, imageSize: 24 });
    expect(() => buildViT(cfg, other)).toThrow(
      "`weights['pos_embed']` of buildViT has shape [1,10,16]; the config needs [1,5,16] (1 prefix + 2×2 patches for `config.imageSize` 16×16, `config.patchSize` 8×8, `config.noEmbedClass` false).",
    );
    expect(codeOf(() => buildViT(cfg, other))).toBe('VIT_WEIGHT_SHAPE');
    const wide = fresh({ ...cfg, mlpDim: 32 });
    expect(() => buildViT(cfg, wide)).toThrow("`weights['blocks.0.mlp.fc1.weight']` of buildViT has shape [32,16]; the config needs [64,16] (`config.dim` 16, `config.mlpDim` 64).");
  });

  it('names a wrong dtype; F16/BF16/F64 are read as float32', () => {
    const w: Record<string, Tensor<TypedArray>> = fresh();
    w['blocks.0.norm1.weight'] = tensor(new Int32Array(16).fill(1), [16]);
    expect(() => buildViT(cfg, w)).toThrow("`weights['blocks.0.norm1.weight']` of buildViT has dtype I32; expected a float dtype (F32, F16, BF16 or F64).");
    expect(codeOf(() => buildViT(cfg, w))).toBe('VIT_WEIGHT_DTYPE');
    const half = fresh();
    const f16 = parseSafetensors(serializeSafetensors(Object.fromEntries(Object.entries(half).map(([k, t]) => [k, { tensor: t, dtype: 'F16' as const }]))));
    expect(f16.tensors['blocks.0.attn.qkv.weight'].dtype).toBe('F16');
    expect(() => buildViT(cfg, f16)).not.toThrow();
  });

  it('refuses non-finite weights, naming the key and index', () => {
    const w = fresh();
    (w['blocks.1.attn.proj.weight'].data as Float32Array)[7] = Number.NaN;
    expect(() => buildViT(cfg, w)).toThrow("`weights['blocks.1.attn.proj.weight']` of buildViT holds NaN at flat index 7; weights must be finite.");
  });

  it('takes either LayerScale naming but not both, and checks the relative position index', () => {
    const beit: ViTConfig = { ...cfg, layerScale: true, relPosBias: true, qkvBias: 'qv' };
    const w = fresh(beit);
    const renamed: Record<string, Tensor<TypedArray>> = {};
    for (const [k, v] of Object.entries(w)) renamed[k.replace(/\.ls(\d)\.gamma$/, '.gamma_$1')] = v;
    expect(Object.keys(renamed)).toContain('blocks.0.gamma_1');
    expect(buildViT(beit, renamed)).toEqual(buildViT(beit, w));
    expect(() => buildViT(beit, { ...w, 'blocks.1.gamma_2': w['blocks.1.ls2.gamma'] })).toThrow('`weights` of buildViT has both `blocks.1.ls2.gamma` and `blocks.1.gamma_2`; keep one.');
    const idx = w['blocks.0.attn.relative_position_index'];
    const bad = tensor(BigInt64Array.from(idx.data as BigInt64Array), idx.shape);
    (bad.data as BigInt64Array)[4] = 12n; // the table of a 2×2 grid has 3·3 + 3 = 12 rows
    expect(() => buildViT(beit, { ...w, 'blocks.0.attn.relative_position_index': bad })).toThrow(
      "`weights['blocks.0.attn.relative_position_index']` of buildViT must hold row numbers of the relative position table in [0, 12). Got 12 at flat index 4.",
    );
    const floatIdx = tensor(Float32Array.from(idx.data as BigInt64Array, Number), idx.shape);
    expect(() => buildViT(beit, { ...w, 'blocks.0.attn.relative_position_index': floatIdx })).toThrow(/has dtype F32; expected an integer dtype/);
  });

  it('refuses a value that is not a tensor', () => {
    expect(() => buildViT(cfg, { ...fresh(), cls_token: [1, 2, 3] as never })).toThrow("`weights['cls_token']` of buildViT must be a tensor (an ndarray) or { tensor, dtype }. Got object.");
  });
});
