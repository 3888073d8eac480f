import { resolveLayers, VitValueError, type LayerSelection } from '@vit/io';
import { decodeModel } from '../onnx/proto.js';
import { analyzeGraph } from './analyzeGraph.js';
import { appendOutputs } from './appendOutputs.js';
import { probeGraph } from './probeGraph.js';
import { readModel } from './readModel.js';
import { TAP_NAMES, type ModelInfo, type TapName, type TapOutput } from './types.js';

/** Options of {@link instrumentModel}. */
export interface InstrumentModelOptions {
  /**
   * Taps to expose (SPEC "Taps").
   * @default ['attention', 'block']
   */
  taps?: readonly TapName[];
  /**
   * Blocks to tap: `'all'`, the last `n`, or a list of 1-based layers (negative = from the end).
   * @default 'all'
   */
  layers?: LayerSelection;
  /**
   * Input `[h, w]`, needed only when the graph's spatial axes are dynamic.
   * @default undefined
   */
  imageSize?: readonly [number, number];
  /**
   * A {@link ModelInfo} already computed by {@link inspectModel} for these bytes (skips the analysis and probe).
   * @default undefined
   */
  info?: ModelInfo;
}

/** The result of {@link instrumentModel}. */
export interface InstrumentedModel {
  /** ONNX bytes whose graph also outputs the requested taps. */
  bytes: Uint8Array;
  /** What the instrumentation learned about the model. */
  info: ModelInfo;
  /** One entry per (tap, layer), in tap-then-layer order; several entries may share one graph output. */
  outputs: TapOutput[];
}

/**
 * Add the requested taps of a ViT ONNX graph as graph outputs.
 *
 * Taps keep the graph's own layout (outputs list it); {@link canonicalTaps} turns a run's results
 * into `[B,H,T,T]` / `[B,T,D]`. Reshapes are free on typed arrays and only the sequence-first
 * `[T,B,D]` case needs a transpose, so doing it in TypeScript keeps the graph (and onnxruntime's
 * fusions) untouched and costs nothing in the common layouts.
 *
 * @param model path to an `.onnx` file, or its bytes.
 * @param options see {@link InstrumentModelOptions}.
 * @returns `{ bytes, info, outputs }`.
 * @throws as {@link inspectModel}; VitValueError for an unknown tap or a layer out of range.
 * @example
 * const { bytes: tapped, outputs } = await instrumentModel('vit_b16.onnx', { taps: ['attention'], layers: [1, 12] });
 */
export async function instrumentModel(model: string | Uint8Array, options: InstrumentModelOptions = {}): Promise<InstrumentedModel> {
  const taps = options.taps ?? ['attention', 'block'];
  for (const t of taps) {
    if (!TAP_NAMES.includes(t)) {
      throw new VitValueError(`\`taps\` of instrumentModel must be some of ${TAP_NAMES.join(', ')}. Got "${t}".`);
    }
  }
  const { bytes, file } = await readModel(model, 'instrumentModel');
  const label = file ?? 'instrumentModel'; // messages about the graph name the file when there is one
  let info = options.info;
  let graphOutputs: Set<string>;
  let dtype: (name: string) => number;
  if (!info) {
    const proto = decodeModel(bytes, file);
    const s = analyzeGraph(proto, label);
    info = await probeGraph(bytes, s, label, options);
    graphOutputs = new Set((proto.graph!.output ?? []).map((o) => o.name));
    dtype = (n) => s.index.dtype.get(n) ?? 1;
  } else {
    const proto = decodeModel(bytes, file);
    graphOutputs = new Set((proto.graph!.output ?? []).map((o) => o.name));
    dtype = () => 1;
  }
  const layers = resolveLayers(options.layers ?? 'all', info.layers);
  const outputs: TapOutput[] = [];
  const added = new Set<string>();
  for (const tap of taps) {
    for (const l of layers) {
      const t = info.tensors[tap][l - 1];
      outputs.push({ tap, layer: l, name: t.name, layout: t.layout });
      if (!graphOutputs.has(t.name)) added.add(t.name);
    }
  }
  const tapped = appendOutputs(bytes, [...added].map((name) => ({ name, elemType: dtype(name) })));
  return { bytes: tapped, info, outputs };
}
