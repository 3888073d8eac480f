import { VitValueError, type LayerSelection } from '@vit/io';
import { encodeModel } from '../onnx/proto.js';
import type { TapName } from '../instrument/types.js';
import { buildViTModel, PROTOBUF_LIMIT, vitWeightBytes } from './buildViTModel.js';
import { resolveConfig } from './resolveViTConfig.js';
import type { ViTConfig, ViTPreprocessing, ViTWeights } from './types.js';

/** Options of {@link buildViT}. */
export interface BuildViTOptions {
  /**
   * Taps (SPEC "Taps") exposed as graph outputs `<tap>.<l>` for every selected block `l`
   * (1-based), in canonical layouts: `attention` `[B,H,T,T]` (post-softmax), every other tap `[B,T,D]`.
   * Each extra output costs a copy per run, so ask only for what you analyse.
   * @default ['attention', 'block']
   */
  taps?: readonly TapName[];
  /** Blocks whose taps are outputs: `null`/`'all'`, the last `n`, or a list of 1-based layers (negative from the end). @default 'all' */
  layers?: LayerSelection;
  /** Seed of the random weights used when `weights` is not given (see `randomViTWeights`). @default 0 */
  seed?: number;
  /** Refuse checkpoint keys the config does not use (a head, a decoder, …); `false` ignores them. @default true */
  strict?: boolean;
  /** Preprocessing metadata stored in the model (`metadata_props` key `vit.preprocessing`, JSON). @default undefined */
  preprocessing?: ViTPreprocessing;
}

/**
 * Build a standard pre-norm Vision Transformer as an ONNX model (opset 17), as timm's
 * `VisionTransformer` (and `Beit`) computes it: patch-embedding Conv; CLS and register tokens;
 * learned position embedding (optionally not on the prefix tokens); optional pre-norm; `L` blocks of
 * LayerNormalization → multi-head attention (qkv bias, BEiT's q/v bias or none; optional relative
 * position bias) → optional LayerScale → residual, LayerNormalization → MLP with exact erf GELU →
 * optional LayerScale → residual; final norm on the tokens or after pooling; `cls` or `avg` pooling;
 * optional linear head.
 *
 * Graph input `pixel_values` `[B,C,H,W]` (batch axis dynamic). Outputs: the requested taps
 * (`attention.<l>` `[B,H,T,T]`, `block.<l>` `[B,T,D]`, `attnIn.<l>`, `mlpIn.<l>`, `attnSkip.<l>`,
 * `attnBranch.<l>`, `mlpSkip.<l>`, `mlpBranch.<l>` `[B,T,D]`), then `logits` `[B,numClasses]`, or
 * `features` `[B,D]` (the pooled, normalised representation) when there is no head. Token order:
 * CLS, registers, then patches row-major. The resolved config is stored as JSON under the
 * `metadata_props` key `vit.config`.
 *
 * @param config the architecture (see {@link ViTConfig}; `inferViTConfig` reads it from a checkpoint).
 * @param weights tensors by timm name (e.g. `(await readSafetensors('model.safetensors'))`);
 *   F16/BF16/F64 are converted to float32. Omitted: seeded random weights (`randomViTWeights`).
 * @param options taps, layers, seed, strictness, preprocessing metadata.
 * @returns the serialised ONNX model.
 * @throws VitValueError `VIT_CONFIG` naming the config field; `VIT_WEIGHT_MISSING`,
 *   `VIT_WEIGHT_UNKNOWN`, `VIT_WEIGHT_SHAPE`, `VIT_WEIGHT_DTYPE`, `VIT_WEIGHT_VALUE` naming the
 *   checkpoint key; `VIT_MODEL_TOO_LARGE` above protobuf's 2 GB (ViT-H/14 in float32: use `writeViT`,
 *   which stores the weights in an external-data file); `VIT_VALUE`
 *   for a bad option.
 * @example
 * import { buildViT } from '@vit/runtime';
 * import { readSafetensors } from '@vit/io';
 * const ckpt = await readSafetensors('vit_small_patch16_224.safetensors');
 * const onnx = buildViT(inferViTConfig(ckpt), ckpt, { taps: ['attention', 'block'] });
 */
export function buildViT(config: ViTConfig, weights?: ViTWeights, options: BuildViTOptions = {}): Uint8Array {
  const fn = 'buildViT';
  const c = resolveConfig(config, fn);
  const weightBytes = vitWeightBytes(c);
  if (weightBytes > PROTOBUF_LIMIT) {
    throw new VitValueError(
      `\`config\` of ${fn} describes ${(weightBytes / 1e9).toFixed(2)} GB of float32 weights, above the 2 GB a single ONNX protobuf can hold (ViT-H/14 and larger); write it with writeViT (or vit build), which stores the weights in an external-data file beside the model.`,
      { code: 'VIT_MODEL_TOO_LARGE' },
    );
  }
  const m = buildViTModel(config, c, weights, options, fn);
  const bytes = encodeModel(m);
  // protobufjs hands out a Node Buffer; return a plain Uint8Array view of the same memory.
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
