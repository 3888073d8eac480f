// Shared helpers of the task and clustering analyses (study-tasks): which layers an entry
// uses, the rows of a capture's block taps, and the model's evaluation transform (so that
// masks and keypoints go through the geometry the session applied to the images).
import { VitValueError, tensor } from '@vit/io';
import type { Tensor } from '@vit/io';
import type { Capture, TransformGeometryOptions } from '@vit/runtime';
import { modelTransform } from '../modelTransform.js';
import type { OpenDataset, OpenModel, StudyItem } from '../types.js';

/** The 1-based layers an analysis entry uses: its `layers`, else every block of the model. */
export function entryLayers(model: OpenModel, layers: readonly number[] | undefined, what: string): number[] {
  const ls = layers ? [...new Set(layers)].sort((a, b) => a - b) : Array.from({ length: model.layers }, (_, i) => i + 1);
  const bad = ls.find((l) => l > model.layers);
  if (bad !== undefined) throw new VitValueError(`${what}: layer ${bad} does not exist in model "${model.name}" (layers 1..${model.layers}).`);
  return ls;
}

/**
 * The block taps `[B,T,D]` of `layers` in a capture (which may hold more layers: the pass's union).
 * @throws VitValueError when the capture lacks the block tap or one of the layers.
 */
export function blockTaps(capture: Capture, layers: readonly number[], what: string): Tensor[] {
  const list = capture.taps.block;
  if (!list) throw new VitValueError(`${what}: the pass's captures have no 'block' tap; the planner must include the taps of needs().`);
  return layers.map((l) => {
    const i = capture.layers.indexOf(l);
    if (i < 0 || !list[i]) throw new VitValueError(`${what}: the pass's captures have no block output of layer ${l} (have ${capture.layers.join(', ')}).`);
    return list[i];
  });
}

/** C-order float32 data of a `[B,T,D]` tensor (a view when already contiguous). */
export function dense3(t: Tensor): Float32Array {
  const [B, T, D] = t.shape;
  const d = t.data as Float32Array;
  if (d instanceof Float32Array && t.stride[0] === T * D && t.stride[1] === D && t.stride[2] === 1) return d.subarray(t.offset, t.offset + B * T * D);
  const out = new Float32Array(B * T * D);
  for (let b = 0; b < B; b++) for (let k = 0; k < T; k++) for (let j = 0; j < D; j++) out[(b * T + k) * D + j] = d[t.offset + b * t.stride[0] + k * t.stride[1] + j * t.stride[2]];
  return out;
}

/** How an item's rows are taken from a `[B,T,D]` tap. */
export type RowMode = 'cls' | 'mean' | 'spatial';

/**
 * The rows of the batch items `keep` (batch positions) of one layer: `'cls'` token 0 (`[D]` per
 * item; the tap may be `[B,1,D]`, cut to its CLS token), `'mean'` the mean of the spatial tokens
 * (`[D]`), `'spatial'` every spatial token (`[gh,gw,D]`).
 * @returns the floats of the kept items, item-major, and the shape of one item.
 */
export function itemRows(t: Tensor, keep: readonly number[], mode: RowMode, grid: { gh: number; gw: number; prefix: number }, what: string): { data: Float32Array; shape: number[] } {
  const [, T, D] = t.shape;
  const { gh, gw, prefix } = grid;
  const clsOnly = mode === 'cls' && T === 1; // the tap cut to its CLS token in the graph (TapNeeds.clsOnly)
  if (t.shape.length !== 3 || (T !== prefix + gh * gw && !clsOnly)) throw new VitValueError(`${what}: block taps must be [B, ${prefix + gh * gw}, D]. Got [${t.shape.join(',')}].`, { code: 'VIT_SHAPE' });
  const d = dense3(t);
  if (mode === 'cls' && prefix < 1) throw new VitValueError(`${what}: the model has no CLS token; use tokens: mean.`, { code: 'VIT_NO_CLS' });
  const S = gh * gw;
  const width = mode === 'spatial' ? S * D : D;
  const out = new Float32Array(keep.length * width);
  keep.forEach((b, r) => {
    if (mode === 'cls') out.set(d.subarray(b * T * D, b * T * D + D), r * D);
    else if (mode === 'spatial') out.set(d.subarray((b * T + prefix) * D, (b + 1) * T * D), r * width);
    else {
      const acc = new Float64Array(D);
      for (let k = prefix; k < T; k++) for (let j = 0; j < D; j++) acc[j] += d[(b * T + k) * D + j];
      for (let j = 0; j < D; j++) out[r * D + j] = acc[j] / S;
    }
  });
  for (let i = 0; i < out.length; i++) {
    if (out[i] - out[i] !== 0) throw new VitValueError(`${what}: features are not finite (${out[i]}) for item ${keep[Math.floor(i / width)]} of the batch.`, { code: 'VIT_NON_FINITE' });
  }
  return { data: out, shape: mode === 'spatial' ? [gh, gw, D] : [D] };
}

/** The geometry of the pass's evaluation transform ({@link modelTransform}), for `transformMask` / `transformKeypoints`. */
export function modelGeometry(model: OpenModel): TransformGeometryOptions & { patch: number } {
  const { crop, resize } = modelTransform(model);
  return resize === undefined ? { crop, patch: model.patch } : { crop, resize, patch: model.patch };
}

/** Class labels of the batch items, or a one-line error naming the dataset. */
export function itemLabels(items: readonly StudyItem[], dataset: OpenDataset, what: string): number[] {
  return items.map((it) => {
    if (!Number.isInteger(it.label)) {
      throw new VitValueError(`${what} needs class labels, but item "${it.id}" of dataset "${dataset.name}" (reader ${dataset.reader}) has none; use a dataset with labels (a folder with labels.json, imagenet, imagenet50).`);
    }
    return it.label!;
  });
}

/** The floats of one item `r` of a block of items of `width` floats, as a tensor of `shape`. */
export function itemTensor(rows: Float32Array, r: number, shape: readonly number[]): Tensor {
  const width = shape.reduce((a, b) => a * b, 1);
  return tensor(rows.subarray(r * width, (r + 1) * width), [...shape]);
}

/** A float32 copy of a per-layer series (the report's tensors are float32). */
export function f32(t: Tensor<Float64Array> | Tensor): Tensor {
  return tensor(Float32Array.from(t.data as ArrayLike<number>), [...t.shape]);
}

/** The study's seed (typed apart: the config's type is inferred from the schemas of these files). */
export function studySeed(ctx: { study: unknown }): number {
  return (ctx.study as { seed?: number }).seed ?? 0;
}
