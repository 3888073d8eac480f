import { VitValueError, assertTensor, tensor } from '@vit/io';
import type { AccumulatorJSON, AccumulatorRestoreOptions, LayerSelection, NumericBackend, Tensor, TypedArray } from '@vit/io';
import { DavisScorer } from './internal/davisScorer.js';
import { checkEnvelope } from './internal/json.js';
import { layersJSON, selectLayers } from './internal/layers.js';
import { maskData } from './internal/masks.js';
import { LabelPropagator, propagatorSettings } from './internal/propagator.js';
import { denseData } from './internal/rows.js';
import type { PropagateLabelsOptions } from './propagateLabels.js';

export interface PropagationAccumulatorOptions extends PropagateLabelsOptions {
  /** Which layers of each frame's features are propagated (`LayerSelection`). @default null (every layer) */
  layers?: LayerSelection;
}

/** The part of a runtime Capture that holds `B` consecutive frames of a video: block taps `[B,T,D]` and the token grid. */
export interface FrameCapture {
  taps: { block?: readonly Tensor[] };
  /** 1-based layer number of every tap entry. @default 1..L */
  layers?: readonly number[];
  grid: { gh: number; gw: number; prefix: number };
}

/** One frame's per-layer token features `[h,w,D]` (item-major: one entry per layer), or a Capture of consecutive frames. */
export type FrameInput = readonly Tensor[] | FrameCapture;

/** What {@link PropagationAccumulator.update} takes: one whole video. */
export interface PropagationVideo {
  /** The video's name, unique over every update and shard (e.g. `"bike-packing"`). */
  id: string;
  /** True label maps of every frame `[H,W]` (0 = background); `truth[0]` is the propagated annotation. */
  truth: readonly Tensor<TypedArray>[];
  /** The frames in order, as per-layer `[h,w,D]` lists or Captures of consecutive frames (sync or async iterable). */
  frames: Iterable<FrameInput> | AsyncIterable<FrameInput>;
}

/** DAVIS 2017 J&F of every selected layer (SPEC 16). */
export interface PropagationResult {
  /** 1-based layer numbers, one per column below. */
  layers: number[];
  /** Video names, sorted; one per row of `perVideo`. */
  videos: string[];
  /** Objects of every video (`max(truth[0])`). */
  objects: number[];
  /** J-mean `[L]`: mean over every object of every video of its mean J over the scored frames. */
  J: Tensor<Float64Array>;
  /** F-mean `[L]`, likewise. */
  F: Tensor<Float64Array>;
  /** `(J + F) / 2`, `[L]`. */
  JF: Tensor<Float64Array>;
  /** Per video (mean over its objects): `J`, `F`, `JF` each `[V, L]`. */
  perVideo: { J: Tensor<Float64Array>; F: Tensor<Float64Array>; JF: Tensor<Float64Array> };
}

interface VideoScores {
  id: string;
  /** Per layer, per object: mean J and mean F. */
  J: number[][];
  F: number[][];
}

const KIND = 'PropagationAccumulator';
const VERSION = 1;

/**
 * DAVIS label propagation scored with J&F (SPEC 16) as an accumulator over videos: each
 * `update` propagates one video's first annotation through its frames for every selected layer
 * ({@link propagateLabels}'s algorithm), scores every frame against the truth as it comes (no
 * predicted video is kept), and keeps per layer and object the mean J and F. `merge` combines
 * shards of videos; `result()` gives the benchmark's J-mean, F-mean and J&F over all objects of
 * all videos, and per video.
 *
 * @example
 * const acc = new PropagationAccumulator({ layers: [-1] });
 * for (const video of davisVideos) await acc.update({ id: video.name, truth: video.masks, frames: video.captures });
 * const { JF } = acc.result(); // [L]
 */
export class PropagationAccumulator {
  /** The resolved options (JSON-safe; the backend is kept apart). */
  readonly options: Readonly<{
    contextFrames: number;
    temperature: number;
    neighborhood: number | null;
    k: number;
    reference: boolean;
    layers: null | number | number[];
  }>;
  private readonly backend?: NumericBackend;
  private layerNumbers: number[] | null = null;
  private videos: VideoScores[] = [];

  /**
   * @param options See {@link PropagationAccumulatorOptions}.
   * @throws VitValueError on invalid options.
   */
  constructor(options: PropagationAccumulatorOptions = {}) {
    const fn = KIND;
    const s = propagatorSettings(options, fn);
    this.options = {
      contextFrames: s.contextFrames,
      temperature: s.temperature,
      neighborhood: s.neighborhood >= Number.MAX_SAFE_INTEGER ? null : s.neighborhood,
      k: s.k,
      reference: s.reference,
      layers: layersJSON(options.layers),
    };
    this.backend = options.backend;
  }

  /** Videos scored so far. */
  get seen(): number {
    return this.videos.length;
  }

  /**
   * Propagate and score one video for every selected layer.
   * @returns a promise of this (after the whole video).
   * @throws VitValueError (the promise rejects) when the id was seen already, `truth[0]` has no object (`VIT_EMPTY`), the number of frames differs from `truth.length` or the layers/shapes change (`VIT_SHAPE`), or features are not finite (`VIT_NON_FINITE`). The state is unchanged then.
   */
  async update(video: PropagationVideo): Promise<this> {
    const fn = `${KIND}.update`;
    if (!video || typeof video.id !== 'string' || video.id === '') {
      throw new VitValueError(`\`video.id\` of ${fn} must be a non-empty string naming the video. Got ${JSON.stringify(video?.id)}.`);
    }
    if (this.videos.some((v) => v.id === video.id)) throw new VitValueError(`\`video.id\` of ${fn} must be new: "${video.id}" was scored already.`);
    const truth = video.truth;
    if (!Array.isArray(truth) || truth.length < 3) {
      throw new VitValueError(`\`video.truth\` of ${fn} must hold the true label maps of every frame (at least 3). Got ${Array.isArray(truth) ? truth.length : typeof truth}.`, {
        code: 'VIT_SHAPE',
      });
    }
    const frames = video.frames as Iterable<FrameInput> | AsyncIterable<FrameInput>;
    if (!frames || (typeof (frames as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function' && typeof (frames as Iterable<unknown>)[Symbol.iterator] !== 'function')) {
      throw new VitValueError(`\`video.frames\` of ${fn} must be an (async) iterable of per-layer features or Captures. Got ${typeof frames}.`);
    }
    const first = maskData(truth[0], 'video.truth[0]', fn);
    const { h: H, w: W } = first;
    const settings = propagatorSettings({ ...this.options, neighborhood: this.options.neighborhood ?? Infinity, backend: this.backend }, fn);
    let layers: number[] | null = null;
    let props: LabelPropagator[] = [];
    let scorers: DavisScorer[] = [];
    let t = 0;
    for await (const item of frames) {
      for (const { layers: ls, features } of framesOf(item, this.options.layers, t, fn)) {
        if (t >= truth.length) throw new VitValueError(`\`video.frames\` of ${fn} must hold one frame per map of \`video.truth\` (${truth.length}). Got more.`, { code: 'VIT_LENGTH_MISMATCH' });
        if (layers === null) {
          layers = ls;
          if (this.layerNumbers !== null && JSON.stringify(layers) !== JSON.stringify(this.layerNumbers)) {
            throw new VitValueError(`The layers of ${fn} must stay those of the first video (${this.layerNumbers.join(', ')}). Got ${layers.join(', ')}.`, { code: 'VIT_SHAPE_CHANGE' });
          }
          scorers = layers.map(() => new DavisScorer(first.data, H, W, truth.length, 'video.truth[0]', fn));
          props = layers.map(() => new LabelPropagator(first.data, H, W, settings, fn));
        } else if (JSON.stringify(ls) !== JSON.stringify(layers)) {
          throw new VitValueError(`Frame ${t} of ${fn} must hold layers ${layers.join(', ')} like frame 0. Got ${ls.join(', ')}.`, { code: 'VIT_SHAPE_CHANGE' });
        }
        const g = t === 0 || t === truth.length - 1 ? null : maskData(truth[t], `video.truth[${t}]`, fn, [H, W]);
        for (let l = 0; l < props.length; l++) {
          const { labels } = await props[l].step(features[l], `frame ${t}, layer ${layers[l]}`);
          if (g) scorers[l].add(t, labels, g.data);
        }
        t++;
      }
    }
    if (t !== truth.length || layers === null) {
      throw new VitValueError(`\`video.frames\` of ${fn} must hold one frame per map of \`video.truth\` (${truth.length}). Got ${t}.`, { code: 'VIT_LENGTH_MISMATCH' });
    }
    const scores = scorers.map((s) => s.result());
    this.layerNumbers ??= layers;
    this.videos.push({ id: video.id, J: scores.map((s) => s.perObject.map((o) => o.J)), F: scores.map((s) => s.perObject.map((o) => o.F)) });
    return this;
  }

  /**
   * Add another accumulator's videos (same options and layers, no video in both).
   * @returns this
   * @throws VitValueError on different options or layers, or a video scored by both.
   */
  merge(other: PropagationAccumulator): this {
    const fn = `${KIND}.merge`;
    if (!(other instanceof PropagationAccumulator) || JSON.stringify(other.options) !== JSON.stringify(this.options)) {
      throw new VitValueError(`\`other\` of ${fn} must be a PropagationAccumulator with the same options. Got ${JSON.stringify(other?.options)} vs ${JSON.stringify(this.options)}.`);
    }
    if (other.videos.length === 0) return this;
    if (this.layerNumbers !== null && JSON.stringify(this.layerNumbers) !== JSON.stringify(other.layerNumbers)) {
      throw new VitValueError(`\`other\` of ${fn} must hold the same layers (${this.layerNumbers.join(', ')}). Got ${other.layerNumbers!.join(', ')}.`, { code: 'VIT_SHAPE' });
    }
    const dup = other.videos.find((v) => this.videos.some((w) => w.id === v.id));
    if (dup) throw new VitValueError(`\`other\` of ${fn} scored video "${dup.id}" too: shard by video so every video is scored once.`);
    this.layerNumbers ??= [...other.layerNumbers!];
    this.videos.push(...other.videos.map((v) => ({ id: v.id, J: v.J.map((x) => [...x]), F: v.F.map((x) => [...x]) })));
    return this;
  }

  /** Forget every video. @returns this */
  reset(): this {
    this.videos = [];
    this.layerNumbers = null;
    return this;
  }

  /**
   * J, F and J&F per layer over every object of every video, and per video (pure).
   * @throws VitValueError before any update (`VIT_EMPTY`).
   */
  result(): PropagationResult {
    if (this.videos.length === 0 || this.layerNumbers === null) {
      throw new VitValueError(`${KIND}.result: no video yet; call update() first.`, { code: 'VIT_EMPTY' });
    }
    const vids = [...this.videos].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const L = this.layerNumbers.length;
    const V = vids.length;
    const J = new Float64Array(L);
    const F = new Float64Array(L);
    const vJ = new Float64Array(V * L);
    const vF = new Float64Array(V * L);
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    for (let l = 0; l < L; l++) {
      let sj = 0;
      let sf = 0;
      let n = 0;
      vids.forEach((v, i) => {
        for (const x of v.J[l]) sj += x;
        for (const x of v.F[l]) sf += x;
        n += v.J[l].length;
        vJ[i * L + l] = mean(v.J[l]);
        vF[i * L + l] = mean(v.F[l]);
      });
      J[l] = sj / n;
      F[l] = sf / n;
    }
    const half = (a: Float64Array, b: Float64Array) => a.map((x, i) => (x + b[i]) / 2);
    return {
      layers: [...this.layerNumbers],
      videos: vids.map((v) => v.id),
      objects: vids.map((v) => v.J[0].length),
      J: tensor(J, [L]),
      F: tensor(F, [L]),
      JF: tensor(half(J, F), [L]),
      perVideo: { J: tensor(vJ, [V, L]), F: tensor(vF, [V, L]), JF: tensor(half(vJ, vF), [V, L]) },
    };
  }

  /** The state as JSON: per video, layer and object the mean J and F. */
  toJSON(): AccumulatorJSON<PropagationAccumulator['options'], { layers: number[] | null; videos: VideoScores[] }> {
    return { kind: KIND, version: VERSION, options: { ...this.options }, state: { layers: this.layerNumbers, videos: this.videos }, seen: this.videos.length };
  }

  /**
   * Restore an accumulator from {@link toJSON} output.
   * @param options `backend` for later updates. @default the default backend
   * @throws VitValueError when `json` is not a PropagationAccumulator state of this version.
   */
  static fromJSON(json: unknown, options: AccumulatorRestoreOptions = {}): PropagationAccumulator {
    const j = checkEnvelope(json, KIND, VERSION, `${KIND}.fromJSON`);
    const o = j.options as unknown as PropagationAccumulator['options'];
    const acc = new PropagationAccumulator({ ...o, neighborhood: o.neighborhood ?? Infinity, backend: options.backend });
    const s = j.state as unknown as { layers: number[] | null; videos: VideoScores[] };
    acc.layerNumbers = s.layers ? [...s.layers] : null;
    acc.videos = s.videos.map((v) => ({ id: v.id, J: v.J.map((x) => [...x]), F: v.F.map((x) => [...x]) }));
    return acc;
  }
}

/** The frames of one input item: one per-layer list, or the `B` frames of a Capture. */
function* framesOf(item: FrameInput, selection: LayerSelection, t: number, fn: string): Generator<{ layers: number[]; features: Tensor<TypedArray>[] }> {
  if (Array.isArray(item)) {
    const { layers, positions } = selectLayers(item.length, selection, fn);
    yield { layers, features: positions.map((p) => item[p] as Tensor<TypedArray>) };
    return;
  }
  const cap = item as FrameCapture;
  const list = cap?.taps?.block;
  if (!Array.isArray(list) || list.length === 0) {
    throw new VitValueError(`Frame ${t} of ${fn} must be a per-layer array of [h,w,D] features or a Capture with block taps. Got ${typeof item}.`);
  }
  const { gh, gw, prefix } = cap.grid ?? ({} as FrameCapture['grid']);
  if (![gh, gw, prefix].every((v) => Number.isInteger(v) && v >= 0) || gh * gw === 0) {
    throw new VitValueError(`\`grid\` of the Capture at frame ${t} of ${fn} must have integer gh, gw ≥ 1 and prefix ≥ 0. Got ${JSON.stringify(cap.grid)}.`);
  }
  const { layers, positions } = selectLayers(list.length, selection, fn, cap.layers);
  const T = prefix + gh * gw;
  const dense = positions.map((p) => {
    const x = list[p] as Tensor<TypedArray>;
    assertTensor(x, { name: `taps.block[${p}]`, fn, shape: [null, T, null], shapeText: `[B,${T},D] (prefix + gh·gw tokens)` });
    return { data: denseData(x), B: x.shape[0], D: x.shape[2] };
  });
  const B = dense[0].B;
  for (let b = 0; b < B; b++) {
    yield {
      layers,
      features: dense.map(({ data, D }) => tensor(data.subarray((b * T + prefix) * D, (b + 1) * T * D), [gh, gw, D])),
    };
  }
}
