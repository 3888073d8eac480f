import { VitValueError, resolveLayers } from '@vit/io';
import { model, type ModelProto, type TensorProto } from '../onnx/proto.js';
import { TAP_NAMES } from '../instrument/types.js';
import type { BuildViTOptions } from './buildViT.js';
import { loadViTWeights } from './loadViTWeights.js';
import { randomViTWeights } from './randomViTWeights.js';
import type { ResolvedViTConfig, ViTConfig, ViTPreprocessing, ViTWeights } from './types.js';
import { INPUT_NAME, vitGraph } from './vitGraph.js';
import { vitParameters } from './vitParameters.js';

/** protobuf messages are limited to 2 GiB; keep a margin for the graph itself. */
export const PROTOBUF_LIMIT = 2 ** 31 - 2 ** 24;

/** Bytes of the float32/int64 weights of a resolved config. */
export function vitWeightBytes(c: ResolvedViTConfig): number {
  return vitParameters(c).reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1) * (p.kind === 'float' ? 4 : 8), 0);
}

/**
 * The ViT as a ModelProto (shared by buildViT and writeViT). `sink` sees every initializer as it is
 * made, so writeViT can move its bytes to the external-data file at once (no second copy of the weights).
 */
export function buildViTModel(
  config: ViTConfig,
  c: ResolvedViTConfig,
  weights: ViTWeights | undefined,
  options: BuildViTOptions,
  fn: string,
  sink?: (t: TensorProto) => TensorProto,
): ModelProto {
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
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed)) throw new VitValueError(`\`options.seed\` of ${fn} must be a safe integer. Got ${seed}.`);
  const source = weights ?? randomViTWeights(config, { seed });
  const loaded = loadViTWeights(c, source, fn, strict);
  const parts = vitGraph(c, loaded, taps, layers, sink);
  const m = model({ name: 'vit', node: parts.nodes, initializer: parts.initializers, input: parts.inputs, output: parts.outputs }, 17);
  m.docString = `Vision Transformer built by @vit/runtime buildViT; input ${INPUT_NAME} [B,${c.inChannels},${c.imageSize[0]},${c.imageSize[1]}].`;
  m.metadataProps = [{ key: 'vit.config', value: JSON.stringify({ ...c }) }];
  if (options.preprocessing) m.metadataProps.push({ key: 'vit.preprocessing', value: JSON.stringify(options.preprocessing) });
  return m;
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
