import { VitValueError, resolveLayers, type LayerSelection } from '@vit/io';
import { encodeModel, model } from '../onnx/proto.js';
import { TAP_NAMES, type TapName } from '../instrument/types.js';
import { loadViTWeights } from './loadViTWeights.js';
import { randomViTWeights } from './randomViTWeights.js';
import { resolveConfig } from './resolveViTConfig.js';
import type { ResolvedViTConfig, ViTConfig, ViTPreprocessing, ViTWeights } from './types.js';
import { INPUT_NAME, vitGraph } from './vitGraph.js';
import { vitParameters } from './vitParameters.js';

/** protobuf messages are limited to 2 GiB; keep a margin for the graph itself. */
const PROTOBUF_LIMIT = 2 ** 31 - 2 ** 24;

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
 *   checkpoint key; `VIT_MODEL_TOO_LARGE` above protobuf's 2 GB (ViT-H/14 in float32); `VIT_VALUE`
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
  const taps = [...new Set(options.taps ?? (['attention', 'block'] as const))];
  for (const t of taps) {
    if (!TAP_NAMES.includes(t)) {
      throw new VitValueError(`\`options.taps\` of ${fn} must list tap names (${TAP_NAMES.join(', ')}). Got ${JSON.stringify(t)}.`);
    }
  }
  let layers: number[];
  try {
    layers = resolveLayers(options.layers, c.depth);
  } catch (e) {
    throw new VitValueError(`\`options.layers\` of ${fn}: ${(e as Error).message}.`, { cause: e });
  }
  const strict = options.strict ?? true;
  if (typeof strict !== 'boolean') throw new VitValueError(`\`options.strict\` of ${fn} must be true or false. Got ${JSON.stringify(strict)}.`);
  if (options.preprocessing !== undefined) checkPreprocessing(options.preprocessing, c, fn);
  const weightBytes = vitParameters(c).reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1) * (p.kind === 'float' ? 4 : 8), 0);
  if (weightBytes > PROTOBUF_LIMIT) {
    throw new VitValueError(
      `\`config\` of ${fn} describes ${(weightBytes / 1e9).toFixed(2)} GB of float32 weights, above the 2 GB a single ONNX protobuf can hold (ViT-H/14 and larger); external-data ONNX files are not supported yet.`,
      { code: 'VIT_MODEL_TOO_LARGE' },
    );
  }
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new VitValueError(`\`options.seed\` of ${fn} must be a safe integer. Got ${seed}.`);
  const source = weights ?? randomViTWeights(config, { seed });
  const loaded = loadViTWeights(c, source, fn, strict);
  const parts = vitGraph(c, loaded, taps, layers);
  const m = model({ name: 'vit', node: parts.nodes, initializer: parts.initializers, input: parts.inputs, output: parts.outputs }, 17);
  m.docString = `Vision Transformer built by @vit/runtime buildViT; input ${INPUT_NAME} [B,${c.inChannels},${c.imageSize[0]},${c.imageSize[1]}].`;
  m.metadataProps = [{ key: 'vit.config', value: JSON.stringify(publicConfig(c)) }];
  if (options.preprocessing) m.metadataProps.push({ key: 'vit.preprocessing', value: JSON.stringify(options.preprocessing) });
  const bytes = encodeModel(m);
  // protobufjs hands out a Node Buffer; return a plain Uint8Array view of the same memory.
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The resolved config as a plain {@link ViTConfig} plus the derived grid, prefix and token counts. */
function publicConfig(c: ResolvedViTConfig): Record<string, unknown> {
  return { ...c };
}

function checkPreprocessing(p: ViTPreprocessing, c: ResolvedViTConfig, fn: string): void {
  const bad = (field: string, expected: string, got: unknown): never => {
    throw new VitValueError(`\`options.preprocessing${field ? `.${field}` : ''}\` of ${fn} must be ${expected}. Got ${JSON.stringify(got)}.`);
  };
  if (typeof p !== 'object' || p === null) bad('', 'an object { mean, std, inputSize, interpolation }', p);
  const C = c.inChannels;
  if (!(Array.isArray(p.mean) && p.mean.length === C && p.mean.every(Number.isFinite))) bad('mean', `${C} finite numbers`, p.mean);
  if (!(Array.isArray(p.std) && p.std.length === C && p.std.every((s) => Number.isFinite(s) && s > 0))) bad('std', `${C} positive numbers`, p.std);
  const want = [C, c.imageSize[0], c.imageSize[1]];
  if (!(Array.isArray(p.inputSize) && p.inputSize.length === 3 && p.inputSize.every((s, i) => s === want[i]))) {
    bad('inputSize', `[${want.join(', ')}] to match the config`, p.inputSize);
  }
  if (p.interpolation !== 'bicubic' && p.interpolation !== 'bilinear') bad('interpolation', "'bicubic' or 'bilinear'", p.interpolation);
}
