import type { ViTConfig, ViTPreprocessing } from './types.js';

/** A named architecture: its config and the preprocessing its weights were trained with. */
export interface ViTPreset {
  config: ViTConfig;
  preprocessing: ViTPreprocessing;
}

const INCEPTION: ViTPreprocessing = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], inputSize: [3, 224, 224], interpolation: 'bicubic' };
const CLIP: ViTPreprocessing = {
  mean: [0.48145466, 0.4578275, 0.40821073],
  std: [0.26862954, 0.26130258, 0.27577711],
  inputSize: [3, 224, 224],
  interpolation: 'bicubic',
};

const vit = (patch: number, dim: number, depth: number, heads: number, extra: Partial<ViTConfig> = {}): ViTPreset => ({
  config: { imageSize: 224, patchSize: patch, dim, depth, heads, numClasses: 1000, ...extra },
  preprocessing: INCEPTION,
});

/**
 * The architectures of the paper, under timm's model names, with timm's defaults (a 1000-class
 * head; AugReg's "inception" normalisation, mean = std = 0.5). ViT-S/16, S/8, B/16, B/32, B/8,
 * L/16, L/14, H/14, plus the two family variants whose blocks differ: OpenAI CLIP's ViT-B/16 and
 * L/14 (pre-norm, LayerNorm eps 1e-5, QuickGELU, no patch bias, a 512/768-wide projection head, CLIP
 * normalisation) and BEiT's ViT-B/16 (q/v bias, relative position bias, LayerScale, no absolute
 * position embedding, mean pooling with `fc_norm`). DINO, MoCo v3 and MAE use the plain shapes
 * without a head: build them from their checkpoint (`inferViTConfig`) or set `numClasses: 0`.
 *
 * @example
 * const { config, preprocessing } = vitPresets.vit_base_patch16_224;
 * const onnx = buildViT({ ...config, numClasses: 0 }, undefined, { seed: 1, preprocessing });
 */
export const vitPresets: Readonly<Record<string, ViTPreset>> = Object.freeze({
  vit_small_patch16_224: vit(16, 384, 12, 6),
  vit_small_patch8_224: vit(8, 384, 12, 6),
  vit_base_patch16_224: vit(16, 768, 12, 12),
  vit_base_patch32_224: vit(32, 768, 12, 12),
  vit_base_patch8_224: vit(8, 768, 12, 12),
  vit_large_patch16_224: vit(16, 1024, 24, 16),
  vit_large_patch14_224: vit(14, 1024, 24, 16),
  vit_huge_patch14_224: vit(14, 1280, 32, 16),
  vit_base_patch16_clip_224: {
    config: { imageSize: 224, patchSize: 16, dim: 768, depth: 12, heads: 12, preNorm: true, layerNormEps: 1e-5, mlpAct: 'quickGelu', patchBias: false, numClasses: 512 },
    preprocessing: CLIP,
  },
  vit_large_patch14_clip_224: {
    config: { imageSize: 224, patchSize: 14, dim: 1024, depth: 24, heads: 16, preNorm: true, layerNormEps: 1e-5, mlpAct: 'quickGelu', patchBias: false, numClasses: 768 },
    preprocessing: CLIP,
  },
  beit_base_patch16_224: {
    config: {
      imageSize: 224, patchSize: 16, dim: 768, depth: 12, heads: 12, qkvBias: 'qv', relPosBias: true, layerScale: true,
      posEmbed: 'none', pool: 'avg', finalNorm: 'pooled', numClasses: 1000,
    },
    preprocessing: INCEPTION,
  },
});
