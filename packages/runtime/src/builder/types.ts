import type { Tensor, TypedArray } from '@vit/io';

/**
 * Architecture of a standard pre-norm Vision Transformer, in timm's terms (`VisionTransformer`,
 * `Beit`). Only `dim`, `depth`, `heads`, `patchSize` and `imageSize` are required; every other
 * field has the default of a plain timm ViT. Preprocessing lives in {@link ViTPreprocessing}.
 */
export interface ViTConfig {
  /** Input `[h, w]` in pixels, or one number for a square input (timm `img_size`). */
  imageSize: number | readonly [number, number];
  /** Patch `[ph, pw]` in pixels, or one number for square patches (timm `patch_size`). */
  patchSize: number | readonly [number, number];
  /** Width `D` (timm `embed_dim`). */
  dim: number;
  /** Number of blocks `L`. */
  depth: number;
  /** Attention heads `H`; `dim` must be divisible by it. */
  heads: number;
  /** Hidden width of the MLP. @default 4 · dim */
  mlpDim?: number;
  /** MLP activation: exact GELU `0.5·x·(1 + erf(x/√2))`, or OpenAI CLIP's QuickGELU `x·σ(1.702·x)`. @default 'gelu' */
  mlpAct?: 'gelu' | 'quickGelu';
  /** Input channels. @default 3 */
  inChannels?: number;
  /** A CLS token (timm `class_token`, parameter `cls_token`). @default true */
  classToken?: boolean;
  /** Number of register tokens (timm `reg_tokens`, parameter `reg_token`). @default 0 */
  registers?: number;
  /** Learned absolute position embedding (`pos_embed`), or none (BEiT). @default 'learned' */
  posEmbed?: 'learned' | 'none';
  /** Position embedding covers only the patch tokens, not the prefix tokens (timm `no_embed_class`). @default false */
  noEmbedClass?: boolean;
  /** A LayerNorm after the embedding, before the blocks (CLIP's `ln_pre`, timm `norm_pre`). @default false */
  preNorm?: boolean;
  /** Bias of the q, k, v projections: all three (`qkv.bias`), q and v only (BEiT's `q_bias`, `v_bias`), or none. @default 'qkv' */
  qkvBias?: 'qkv' | 'qv' | 'none';
  /** LayerScale after each branch (`ls1.gamma` or BEiT's `gamma_1`). @default false */
  layerScale?: boolean;
  /**
   * Relative position bias in every block's attention, as timm's `Beit` (which has one prefix
   * token, CLS; registers are treated like CLS, see `relativePositionIndex`). @default false
   */
  relPosBias?: boolean;
  /**
   * One relative position bias shared by all blocks, as in BEiT's self-supervised checkpoints
   * (`use_shared_rel_pos_bias`, keys `rel_pos_bias.relative_position_bias_table` / `…_index`);
   * excludes `relPosBias`. @default false
   */
  sharedRelPosBias?: boolean;
  /** Where the final LayerNorm sits: on all tokens (`norm`), after pooling (`fc_norm`, timm's avg-pool models and BEiT), or none. @default 'tokens' */
  finalNorm?: 'tokens' | 'pooled' | 'none';
  /** How the image representation is pooled: the CLS token, or the mean of the patch tokens (prefix tokens excluded, as timm). @default 'cls' with a CLS token, else 'avg' */
  pool?: 'cls' | 'avg';
  /** Classes of the linear head (`head.*`); 0 = no head, the graph outputs `features`. @default 0 */
  numClasses?: number;
  /** The patch-embedding Conv has a bias (CLIP's has none). @default true */
  patchBias?: boolean;
  /** The head has a bias (CLIP's projection has none). @default true */
  headBias?: boolean;
  /** Epsilon of every LayerNorm (1e-6 in timm ViTs, DINO, MoCo v3, MAE, BEiT; 1e-5 in OpenAI CLIP). @default 1e-6 */
  layerNormEps?: number;
}

/** A {@link ViTConfig} with every default filled in and validated. Sizes are `[h, w]` pairs. */
export interface ResolvedViTConfig {
  imageSize: [number, number];
  patchSize: [number, number];
  dim: number;
  depth: number;
  heads: number;
  mlpDim: number;
  mlpAct: 'gelu' | 'quickGelu';
  inChannels: number;
  classToken: boolean;
  registers: number;
  posEmbed: 'learned' | 'none';
  noEmbedClass: boolean;
  preNorm: boolean;
  qkvBias: 'qkv' | 'qv' | 'none';
  layerScale: boolean;
  relPosBias: boolean;
  sharedRelPosBias: boolean;
  finalNorm: 'tokens' | 'pooled' | 'none';
  pool: 'cls' | 'avg';
  numClasses: number;
  patchBias: boolean;
  headBias: boolean;
  layerNormEps: number;
  /** Token grid `[gh, gw]`. */
  grid: [number, number];
  /** Prefix tokens `P` = CLS + registers. */
  prefixTokens: number;
  /** Tokens `T = P + gh·gw`. */
  tokens: number;
}

/** Preprocessing metadata of a model, kept apart from the architecture (timm's `pretrained_cfg` habit). */
export interface ViTPreprocessing {
  /** Per-channel mean subtracted after scaling to [0,1]. */
  mean: readonly number[];
  /** Per-channel standard deviation divided by. */
  std: readonly number[];
  /** `[C, H, W]` the model expects. */
  inputSize: readonly [number, number, number];
  /** Resampling used to resize. */
  interpolation: 'bicubic' | 'bilinear';
}

/** One tensor of a checkpoint as `parseSafetensors` of `@vit/io` returns it: the tensor and its stored dtype. */
export interface CheckpointTensor {
  tensor: Tensor<TypedArray>;
  /** The stored safetensors dtype (`F32`, `F16`, `BF16`, `I64`, …). */
  dtype: string;
}

/**
 * Weights by timm parameter name: plain tensors, tensors with their stored dtype (the `tensors`
 * of `parseSafetensors`), or a whole `parseSafetensors` / `readSafetensors` result.
 */
export type ViTWeights =
  | Readonly<Record<string, Tensor<TypedArray> | CheckpointTensor>>
  | { tensors: Readonly<Record<string, CheckpointTensor>>; metadata: Readonly<Record<string, string>> };
