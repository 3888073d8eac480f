import { analyzeGraph } from './analyzeGraph.js';
import { prepareModel } from './prepareModel.js';
import { probeGraph } from './probeGraph.js';
import { readModel } from './readModel.js';
import type { ModelInfo } from './types.js';

/** Options of {@link inspectModel}. */
export interface InspectModelOptions {
  /**
   * Input `[h, w]` in pixels, needed only when the graph's spatial input axes are dynamic.
   * @default undefined (read from the graph input)
   */
  imageSize?: readonly [number, number];
  /**
   * Folder holding the model's external-data files (weights stored beside the `.onnx`, ONNX `location`
   * relative to it); needed only when the model is given as bytes.
   * @default the model file's folder
   */
  externalDataDir?: string;
}

/**
 * Read a ViT ONNX graph: find every block's attention softmax, residual adds and LayerNorm outputs
 * by structure (never by name), then settle layouts with one probe run at batch 1. Weights stored as
 * external data (`model.onnx` + `model.onnx.data`) are read where they are; fused attention (ONNX
 * `Attention`, `com.microsoft.Attention`/`MultiHeadAttention`) is rewritten into primitives first.
 *
 * @param model path to an `.onnx` file, or its bytes.
 * @param options see {@link InspectModelOptions}.
 * @returns `L, H, D, T, P`, grid, patch, input size and the tensor (name, layout) of every tap.
 * @throws VitIoError `VIT_NOT_FOUND` (missing path), `VIT_NOT_ONNX` (not an ONNX file), `VIT_EXTERNAL_DATA`
 *   (a side file missing, truncated or outside the model's folder).
 * @throws VitModelError `VIT_FUSED_ATTENTION` (a fused op that cannot be unfused), `VIT_NO_ATTENTION`, `VIT_SOFTMAX_NOT_OVER_KEYS`, `VIT_UNSUPPORTED_GRAPH`.
 * @example
 * const info = await inspectModel('vit_b16.onnx');
 * info.layers; // 12
 * info.grid;   // [14, 14]
 */
export async function inspectModel(model: string | Uint8Array, options: InspectModelOptions = {}): Promise<ModelInfo> {
  const fn = 'inspectModel';
  const { bytes, file, externalDataDir } = await readModel(model, fn, options.externalDataDir);
  const label = file ?? fn; // messages about the graph name the file when there is one
  const prepared = prepareModel(bytes, fn, { file, externalDataDir });
  const structure = analyzeGraph(prepared.proto, label);
  return probeGraph(prepared.bytes, structure, label, { ...options, externalDataDir: prepared.externalDataDir, fused: prepared.unfused > 0 });
}
