import { resolveLayers, VitValueError, type LayerSelection } from '@vit/io';
import { analyzeGraph } from './analyzeGraph.js';
import { appendOutputs } from './appendOutputs.js';
import { prepareModel } from './prepareModel.js';
import { probeGraph } from './probeGraph.js';
import { readModel } from './readModel.js';
import { clsOutputName, clsSliceNodes } from './clsSlice.js';
import { TAP_NAMES, type ModelInfo, type TapName, type TapOutput, type TapTokens } from './types.js';
import type { NodeProto } from '../onnx/proto.js';

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
   * Token taps to output as their CLS token only (`cls`: `[B,1,D]`, token 0, sliced in the graph);
   * the others stay `[B,T,D]`. For analyses that read only the CLS token (CLS k-NN, CKA of CLS
   * tokens): a ViT-S batch of 16 then writes 24 KB per tapped tensor instead of 4.8 MB.
   * @default every tap `all`
   */
  tokens?: Partial<Record<TapName, TapTokens>>;
  /**
   * Input `[h, w]`, needed only when the graph's spatial axes are dynamic.
   * @default undefined
   */
  imageSize?: readonly [number, number];
  /**
   * A {@link ModelInfo} already computed by {@link inspectModel} for these bytes (skips the probe run).
   * @default undefined
   */
  info?: ModelInfo;
  /**
   * Folder holding the model's external-data files (ONNX `location`s are relative to it); required when
   * the bytes reference side files. The returned bytes keep those references: run them with onnxruntime's
   * session option `session.model_external_initializers_file_folder_path` set to this folder.
   * @default undefined
   */
  externalDataDir?: string;
}

/** The result of {@link instrumentModel}. */
export interface InstrumentedModel {
  /** ONNX bytes whose graph also outputs the requested taps (fused attention rewritten into primitives). */
  bytes: Uint8Array;
  /** The folder onnxruntime must read external data from; `undefined` when the weights are in `bytes`. */
  externalDataDir?: string;
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
 * fusions) untouched and costs nothing in the common layouts. Fused attention ops are rewritten into
 * primitives first (the one change made to the graph); external-data weights stay in their side files.
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
  const tokens = tapTokens(options.tokens, taps);
  const fn = 'instrumentModel';
  const { bytes, file, externalDataDir } = await readModel(model, fn, options.externalDataDir);
  const label = file ?? fn; // messages about the graph name the file when there is one
  let info = options.info;
  const prepared = prepareModel(bytes, fn, { file, externalDataDir });
  const graphOutputs = new Set((prepared.proto.graph!.output ?? []).map((o) => o.name));
  // The structure (and the taps' element types) always; the probe run only without a given info.
  const s = analyzeGraph(prepared.proto, label);
  const dtype = (n: string) => s.index.dtype.get(n) ?? 1;
  if (!info) info = await probeGraph(prepared.bytes, s, label, { ...options, externalDataDir: prepared.externalDataDir, fused: prepared.unfused > 0 });
  const layers = resolveLayers(options.layers ?? 'all', info.layers);
  const cut = Object.entries(tokens).filter(([, m]) => m === 'cls').map(([t]) => t);
  if (cut.length && info.prefixTokens < 1) throw new VitValueError(`\`tokens\` of ${fn} asks for the CLS token of ${cut.join(', ')}, but ${label} has no CLS token (no prefix tokens); leave those taps 'all'.`);
  const outputs: TapOutput[] = [];
  const added = new Map<string, number>(); // new graph output → element type
  const nodes: NodeProto[] = [];
  for (const tap of taps) {
    for (const l of layers) {
      const t = info.tensors[tap][l - 1];
      if (tokens[tap] === 'cls') {
        const name = clsOutputName(t.name);
        outputs.push({ tap, layer: l, name, layout: t.layout, tokens: 'cls' });
        if (!added.has(name)) {
          added.set(name, dtype(t.name));
          nodes.push(...clsSliceNodes(t.name, t.layout, info.tokens, info.dim, name));
        }
      } else {
        outputs.push({ tap, layer: l, name: t.name, layout: t.layout, tokens: 'all' });
        if (!graphOutputs.has(t.name)) added.set(t.name, dtype(t.name));
      }
    }
  }
  const tapped = appendOutputs(prepared.bytes, [...added].map(([name, elemType]) => ({ name, elemType })), nodes);
  return { bytes: tapped, info, outputs, externalDataDir: prepared.externalDataDir };
}

/** The tokens option checked: only token taps that are requested may be `cls`. */
function tapTokens(tokens: InstrumentModelOptions['tokens'], taps: readonly TapName[]): Partial<Record<TapName, TapTokens>> {
  const fn = 'instrumentModel';
  for (const [tap, mode] of Object.entries(tokens ?? {})) {
    if (mode !== 'all' && mode !== 'cls') throw new VitValueError(`\`tokens.${tap}\` of ${fn} must be 'all' or 'cls'. Got ${JSON.stringify(mode)}.`);
    if (!taps.includes(tap as TapName)) throw new VitValueError(`\`tokens\` of ${fn} names "${tap}", which is not one of the requested taps (${taps.join(', ')}).`);
    if (tap === 'attention' && mode === 'cls') throw new VitValueError(`\`tokens.attention\` of ${fn} must be 'all': only token taps ([B,T,D]) can be cut to their CLS token.`);
  }
  return tokens ?? {};
}
