import { VitValueError, tensor } from '@vit/io';
import type { AccumulatorJSON, AccumulatorRestoreOptions, LayerSelection, NumericBackend, Tensor, TypedArray } from '@vit/io';
import { backendOf } from './internal/backend.js';
import { checkAlphas, checkKeypoints, checkPck, pckCounts } from './internal/keypoints.js';
import { checkEnvelope } from './internal/json.js';
import { layersJSON, selectLayers } from './internal/layers.js';
import { integer } from './internal/rows.js';
import { matchKeypoints } from './matchKeypoints.js';
import type { Keypoint } from './matchKeypoints.js';

/** One SPair image pair with the token features of every layer (item-major: one entry per layer). */
export interface KeypointLayerPair {
  /** Object category, e.g. `"aeroplane"`. */
  category: string;
  /** Source token features per layer, each `[h,w,D]`. */
  src: readonly Tensor[];
  /** Target token features per layer, each `[h,w,D]`. */
  tgt: readonly Tensor[];
  /** Source keypoints `[K]` (visible in both images), pixels of the `size×size` frame. */
  srcKps: readonly Keypoint[];
  /** The true matching target keypoints `[K]`. */
  tgtKps: readonly Keypoint[];
  /** `max(bbox_w, bbox_h)` of the target box in the resized frame. */
  bboxSize: number;
  /** Side `S` of the square (resized) frame in pixels. */
  size: number;
}

export interface KeypointAccumulatorOptions {
  /** Thresholds α. @default [0.1, 0.05, 0.01] */
  alphas?: readonly number[];
  /** Which layers of each pair are matched (`LayerSelection`). @default null (every layer) */
  layers?: LayerSelection;
  /** Where the keypoint × target-token products run. @default resolveBackend() of `@vit/io` */
  backend?: NumericBackend;
}

/** SPair-71k PCK of every selected layer (SPEC 17). */
export interface KeypointResult {
  /** 1-based layer numbers, one per row. */
  layers: number[];
  /** The thresholds α, one per last-axis entry. */
  alphas: number[];
  /** Categories in sorted order (those with at least one keypoint). */
  categories: string[];
  /** Keypoints pooled per category (same order). */
  keypoints: number[];
  /** PCK per layer, category and α `[L, C, nα]` (keypoints of a category's pairs pooled). */
  perCategory: Tensor<Float64Array>;
  /** Unweighted mean over categories `[L, nα]`. */
  mean: Tensor<Float64Array>;
}

interface Stored {
  alphas: number[];
  layers: null | number | number[];
}

/** Per category: keypoints and, per layer and α, the correct ones. */
type Counts = Record<string, { n: number; correct: number[][] }>;

const KIND = 'KeypointAccumulator';
const VERSION = 1;

/**
 * SPair-71k keypoint correspondence (SPEC 17) as an accumulator over image pairs: every pair's
 * keypoints are transferred for every selected layer with {@link matchKeypoints} and counted
 * per category; `result()` gives the per-category PCK (keypoints pooled) and its unweighted mean
 * over categories, per layer. Only counts are kept; `merge` combines shards of pairs.
 *
 * @example
 * const acc = new KeypointAccumulator({ alphas: [0.1] });
 * for await (const batch of spairPairBatches) await acc.update(batch); // KeypointLayerPair[]
 * const { mean } = acc.result(); // [L, 1]
 */
export class KeypointAccumulator {
  /** The resolved options (JSON-safe; the backend is kept apart). */
  readonly options: Readonly<Stored>;
  private readonly backendOption?: NumericBackend;
  private backend: Promise<NumericBackend> | null = null;
  private layerNumbers: number[] | null = null;
  private counts: Counts = {};
  private n = 0;

  /**
   * @param options See {@link KeypointAccumulatorOptions}.
   * @throws VitValueError on invalid thresholds.
   */
  constructor(options: KeypointAccumulatorOptions = {}) {
    this.options = { alphas: checkAlphas(options.alphas, KIND), layers: layersJSON(options.layers) };
    this.backendOption = options.backend;
  }

  /** Pairs seen so far. */
  get seen(): number {
    return this.n;
  }

  /**
   * Match and count one pair or a batch of pairs.
   * @returns a promise of this.
   * @throws VitValueError (the promise rejects; the state is unchanged) when a pair is malformed, its layer count differs from the first pair's (`VIT_SHAPE`), or keypoints lie outside the frame.
   */
  async update(pairs: KeypointLayerPair | readonly KeypointLayerPair[]): Promise<this> {
    const fn = `${KIND}.update`;
    const list = Array.isArray(pairs) ? pairs : [pairs as KeypointLayerPair];
    const alphas = this.options.alphas;
    let layers = this.layerNumbers;
    const checked = list.map((p, i) => {
      const where = ` (pairs[${i}])`;
      if (!p || typeof p.category !== 'string') throw new VitValueError(`\`pairs[${i}].category\` of ${fn} must be a string.`);
      if (!Array.isArray(p.src) || !Array.isArray(p.tgt) || p.src.length === 0 || p.src.length !== p.tgt.length) {
        throw new VitValueError(`\`pairs[${i}].src\` and \`.tgt\` of ${fn} must hold the same non-empty number of layers.`, { code: 'VIT_SHAPE' });
      }
      const sel = selectLayers(p.src.length, this.options.layers, fn);
      if (layers === null) layers = sel.layers;
      else if (JSON.stringify(sel.layers) !== JSON.stringify(layers)) {
        throw new VitValueError(`\`pairs[${i}]\` of ${fn} must hold layers ${layers.join(', ')} like the first pair. Got ${sel.layers.join(', ')}.`, { code: 'VIT_SHAPE_CHANGE' });
      }
      integer(p.size, `pairs[${i}].size`, fn, 1);
      checkPck(p.tgtKps, p.srcKps, p.bboxSize, fn, where);
      checkKeypoints(p.srcKps, p.size, `pairs[${i}].srcKps`, fn);
      return { p, positions: sel.positions };
    });
    this.backend ??= backendOf(this.backendOption);
    const backend = await this.backend;
    const delta: Counts = {};
    for (const { p, positions } of checked) {
      const K = p.tgtKps.length;
      const d = (delta[p.category] ??= { n: 0, correct: positions.map(() => alphas.map(() => 0)) });
      for (let l = 0; l < positions.length; l++) {
        const pred = await matchKeypoints(p.src[positions[l]] as Tensor<TypedArray>, p.tgt[positions[l]] as Tensor<TypedArray>, p.srcKps, p.size, { backend });
        if (K > 0) pckCounts(p.tgtKps, pred, p.bboxSize, alphas).forEach((v, j) => (d.correct[l][j] += v));
      }
      d.n += K;
    }
    this.layerNumbers = layers;
    addCounts(this.counts, delta);
    this.n += list.length;
    return this;
  }

  /**
   * Add another accumulator's counts (same options and layers).
   * @returns this
   * @throws VitValueError on different options or layers.
   */
  merge(other: KeypointAccumulator): this {
    const fn = `${KIND}.merge`;
    if (!(other instanceof KeypointAccumulator) || JSON.stringify(other.options) !== JSON.stringify(this.options)) {
      throw new VitValueError(`\`other\` of ${fn} must be a KeypointAccumulator with the same options.`);
    }
    if (other.n === 0) return this;
    if (this.layerNumbers !== null && JSON.stringify(this.layerNumbers) !== JSON.stringify(other.layerNumbers)) {
      throw new VitValueError(`\`other\` of ${fn} must hold the same layers (${this.layerNumbers.join(', ')}). Got ${other.layerNumbers!.join(', ')}.`, { code: 'VIT_SHAPE' });
    }
    this.layerNumbers ??= [...other.layerNumbers!];
    addCounts(this.counts, other.counts);
    this.n += other.n;
    return this;
  }

  /** Forget every pair. @returns this */
  reset(): this {
    this.counts = {};
    this.layerNumbers = null;
    this.n = 0;
    return this;
  }

  /**
   * PCK per layer and category, and the mean over categories (pure).
   * @throws VitValueError before any keypoint was counted (`VIT_EMPTY`).
   */
  result(): KeypointResult {
    const categories = Object.keys(this.counts)
      .filter((c) => this.counts[c].n > 0)
      .sort();
    if (this.layerNumbers === null || categories.length === 0) {
      throw new VitValueError(`${KIND}.result: no keypoint counted yet; call update() with pairs that have keypoints first.`, { code: 'VIT_EMPTY' });
    }
    const alphas = this.options.alphas;
    const L = this.layerNumbers.length;
    const C = categories.length;
    const A = alphas.length;
    const per = new Float64Array(L * C * A);
    const mean = new Float64Array(L * A);
    categories.forEach((cat, c) => {
      const { n, correct } = this.counts[cat];
      for (let l = 0; l < L; l++) {
        for (let a = 0; a < A; a++) {
          const v = correct[l][a] / n;
          per[(l * C + c) * A + a] = v;
          mean[l * A + a] += v / C;
        }
      }
    });
    return {
      layers: [...this.layerNumbers],
      alphas: [...alphas],
      categories,
      keypoints: categories.map((c) => this.counts[c].n),
      perCategory: tensor(per, [L, C, A]),
      mean: tensor(mean, [L, A]),
    };
  }

  /** The state as JSON: per category the keypoints and, per layer and α, the correct ones. */
  toJSON(): AccumulatorJSON<Stored, { layers: number[] | null; counts: Counts }> {
    return { kind: KIND, version: VERSION, options: { alphas: [...this.options.alphas], layers: this.options.layers }, state: { layers: this.layerNumbers, counts: this.counts }, seen: this.n };
  }

  /**
   * Restore an accumulator from {@link toJSON} output.
   * @param options `backend` for later updates. @default the default backend
   * @throws VitValueError when `json` is not a KeypointAccumulator state of this version.
   */
  static fromJSON(json: unknown, options: AccumulatorRestoreOptions = {}): KeypointAccumulator {
    const j = checkEnvelope(json, KIND, VERSION, `${KIND}.fromJSON`);
    const o = j.options as unknown as Stored;
    const acc = new KeypointAccumulator({ alphas: o.alphas, layers: o.layers, backend: options.backend });
    const s = j.state as unknown as { layers: number[] | null; counts: Counts };
    acc.layerNumbers = s.layers ? [...s.layers] : null;
    addCounts(acc.counts, s.counts);
    acc.n = j.seen;
    return acc;
  }
}

function addCounts(into: Counts, from: Counts): void {
  for (const [cat, { n, correct }] of Object.entries(from)) {
    const d = (into[cat] ??= { n: 0, correct: correct.map((r) => r.map(() => 0)) });
    d.n += n;
    correct.forEach((r, l) => r.forEach((v, a) => (d.correct[l][a] += v)));
  }
}
