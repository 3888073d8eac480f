import { decodeModel } from '../onnx/proto.js';
import { analyzeGraph } from './analyzeGraph.js';
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
}

/**
 * Read a ViT ONNX graph: find every block's attention softmax, residual adds and LayerNorm outputs
 * by structure (never by name), then settle layouts with one probe run at batch 1.
 *
 * @param model path to an `.onnx` file, or its bytes.
 * @param options see {@link InspectModelOptions}.
 * @returns `L, H, D, T, P`, grid, patch, input size and the tensor (name, layout) of every tap.
 * @throws VitIoError `VIT_NOT_FOUND` (missing path), `VIT_NOT_ONNX` (not an ONNX file).
 * @throws VitModelError `VIT_FUSED_ATTENTION`, `VIT_NO_ATTENTION`, `VIT_SOFTMAX_NOT_OVER_KEYS`, `VIT_UNSUPPORTED_GRAPH`.
 * @example
 * const info = await inspectModel('vit_b16.onnx');
 * info.layers; // 12
 * info.grid;   // [14, 14]
 */
export async function inspectModel(model: string | Uint8Array, options: InspectModelOptions = {}): Promise<ModelInfo> {
  const { bytes, file } = await readModel(model, 'inspectModel');
  const proto = decodeModel(bytes, file);
  const label = file ?? 'inspectModel'; // messages about the graph name the file when there is one
  const structure = analyzeGraph(proto, label);
  return probeGraph(bytes, structure, label, options);
}
