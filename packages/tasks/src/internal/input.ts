import { VitValueError, assertTensor, shapeText } from '@vit/io';
import type { LayerSelection, Tensor, TypedArray } from '@vit/io';
import { selectLayers } from './layers.js';
import { denseData } from './rows.js';

/** Per-layer features of a batch of `B` items, item-major (`features[l]` is `[B,D]` or `[B,T,D]`). */
export interface FeatureBatch {
  /** Per layer `[B,D]` rows, or `[B,T,D]` tokens (reduced by the `tokens` option). */
  features: readonly Tensor[];
  /** Class labels `[B]` (integers). */
  labels?: ArrayLike<number>;
  /** Per item, its 0-based position in the dataset. */
  indices?: ArrayLike<number>;
}

/** The part of a runtime `Capture` the task accumulators read: block taps `[B,T,D]`, their layer numbers, the prefix and per-image labels/positions. */
export interface FeatureCapture {
  taps: { block?: readonly Tensor[] };
  /** 1-based layer number of every entry of the taps. @default 1..L */
  layers?: readonly number[];
  grid?: { prefix: number };
  meta?: { labels?: readonly (string | number | undefined)[]; indices?: readonly number[] };
}

/** What `update` of `KnnIndex` and `RetrievalAccumulator` takes: a Capture (its block taps) or per-layer features. */
export type FeatureInput = FeatureBatch | FeatureCapture;

/** How a `[B,T,D]` tap becomes one row per item. */
export type RowTokens = 'cls' | 'mean';

export interface ParsedFeatures {
  /** Selected 1-based layers. */
  layers: number[];
  /** Position of each selected layer in the input's per-layer list. */
  positions: number[];
  /** Length of the input's per-layer list. */
  count: number;
  /** Per selected layer, the dense rows `[B*D]` (not normalised). */
  rows: Float32Array[];
  B: number;
  /** Width of each selected layer. */
  dims: number[];
  labels?: ArrayLike<unknown>;
  indices?: ArrayLike<number>;
}

/** Read the selected layers of a batch or Capture as dense `[B,D]` rows. */
export function readFeatures(input: FeatureInput, selection: LayerSelection, tokens: RowTokens, fn: string): ParsedFeatures {
  if (!input || typeof input !== 'object') throw new VitValueError(`\`input\` of ${fn} must be a Capture or { features, labels }. Got ${input === null ? 'null' : typeof input}.`);
  const cap = input as FeatureCapture;
  const bat = input as FeatureBatch;
  const fromCapture = 'taps' in input;
  const list = fromCapture ? cap.taps?.block : bat.features;
  const name = fromCapture ? 'taps.block' : 'features';
  if (!Array.isArray(list) || list.length === 0) {
    throw new VitValueError(
      `\`input.${name}\` of ${fn} must be a non-empty array of per-layer tensors${fromCapture ? " (extract with the 'block' tap)" : ''}. Got ${Array.isArray(list) ? 'an empty array' : typeof list}.`,
      { code: Array.isArray(list) ? 'VIT_EMPTY' : 'VIT_VALUE' },
    );
  }
  const { layers, positions } = selectLayers(list.length, selection, fn, fromCapture ? cap.layers : undefined);
  const prefix = fromCapture ? (cap.grid?.prefix ?? 1) : 1;
  let B = -1;
  const dims: number[] = [];
  const rows = positions.map((p, i) => {
    const t = list[p] as unknown;
    const what = `input.${name}[${p}]`;
    assertTensor(t, { name: what, fn });
    const x = t as Tensor<TypedArray>;
    if (x.shape.length !== 2 && x.shape.length !== 3) {
      throw new VitValueError(`\`${what}\` (layer ${layers[i]}) of ${fn} must be [B,D] or [B,T,D]. Got ${shapeText(x.shape)}.`, { code: 'VIT_SHAPE' });
    }
    const b = x.shape[0];
    const d = x.shape[x.shape.length - 1];
    if (B < 0) B = b;
    if (b !== B) {
      throw new VitValueError(`\`${what}\` (layer ${layers[i]}) of ${fn} must hold ${B} items like the first selected layer. Got ${shapeText(x.shape)}.`, { code: 'VIT_SHAPE' });
    }
    dims.push(d);
    if (b === 0 || d === 0) throw new VitValueError(`\`${what}\` of ${fn} must not be empty. Got ${shapeText(x.shape)}.`, { code: 'VIT_EMPTY' });
    const data = denseData(x);
    const out = x.shape.length === 2 ? data : reduceTokens(data, b, x.shape[1], d, tokens, prefix, what, fn);
    checkRowsFinite(out, d, what, layers[i], fn);
    return out;
  });
  const labels = fromCapture ? cap.meta?.labels : bat.labels;
  const indices = fromCapture ? cap.meta?.indices : bat.indices;
  return { layers, positions, count: list.length, rows, B, dims, labels, indices };
}

function reduceTokens(data: Float32Array, B: number, T: number, D: number, tokens: RowTokens, prefix: number, what: string, fn: string): Float32Array {
  const out = new Float32Array(B * D);
  if (tokens === 'cls') {
    for (let b = 0; b < B; b++) out.set(data.subarray(b * T * D, b * T * D + D), b * D);
    return out;
  }
  if (T <= prefix) throw new VitValueError(`\`${what}\` of ${fn} has no patch tokens after the ${prefix} prefix tokens (T = ${T}) for tokens: 'mean'.`, { code: 'VIT_SHAPE' });
  const inv = 1 / (T - prefix);
  for (let b = 0; b < B; b++) {
    for (let t = prefix; t < T; t++) {
      const o = (b * T + t) * D;
      for (let d = 0; d < D; d++) out[b * D + d] += data[o + d];
    }
    for (let d = 0; d < D; d++) out[b * D + d] *= inv;
  }
  return out;
}

/** Throw `VIT_NON_FINITE` naming layer, row and column of the first NaN/±Inf. */
export function checkRowsFinite(rows: Float32Array, D: number, what: string, layer: number, fn: string): void {
  for (let i = 0; i < rows.length; i++) {
    if (!Number.isFinite(rows[i])) {
      throw new VitValueError(`\`${what}\` (layer ${layer}) of ${fn} contains ${rows[i]} at row ${Math.floor(i / D)}, column ${i % D}. Remove or repair non-finite values first.`, {
        code: 'VIT_NON_FINITE',
      });
    }
  }
}

/** Check the `tokens` option. */
export function rowTokens(v: unknown, fn: string): RowTokens {
  const t = v ?? 'cls';
  if (t !== 'cls' && t !== 'mean') throw new VitValueError(`\`tokens\` of ${fn} must be 'cls' or 'mean'. Got ${JSON.stringify(v)}.`);
  return t;
}
