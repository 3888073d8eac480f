import { VitValueError, tensor } from '@vit/io';
import type { AccumulatorJSON, AccumulatorRestoreOptions, LayerSelection, Matrix, NumericBackend, Tensor, TypedArray } from '@vit/io';
import { backendOf } from './internal/backend.js';
import { readFeatures, rowTokens } from './internal/input.js';
import type { FeatureInput, RowTokens } from './internal/input.js';
import { checkEnvelope, fromBase64, toBase64 } from './internal/json.js';
import { layersJSON, perLayerList } from './internal/layers.js';
import { integer, labelArray, normalizeRows, normalizedMatrix, positive } from './internal/rows.js';

export interface KnnIndexOptions {
  /** Neighbour counts evaluated in the same pass (each ≤ the number of train rows at `result()`). @default [10, 20, 100, 200] */
  k?: number | readonly number[];
  /** Vote temperature `T`: a neighbour with cosine similarity `s` votes `exp(s/T)`. @default 0.07 */
  temperature?: number;
  /** Number of classes; labels must lie in `[0, numClasses)`. @default 1 + the largest label seen */
  numClasses?: number;
  /** True labels of the test rows `[m]`; without them `top1`/`top5` are NaN. @default undefined */
  testLabels?: ArrayLike<number>;
  /** Which layers of each update are used (`LayerSelection`: null = all, n = last n, 1-based list, negatives from the end). @default null */
  layers?: LayerSelection;
  /** How a `[B,T,D]` tap becomes one row per image: `'cls'` (token 0) or `'mean'` (mean of the patch tokens after the prefix). @default 'cls' */
  tokens?: 'cls' | 'mean';
  /** Train rows per similarity product within one update: memory is `m × chunkSize` floats. @default max(1024, ⌊2²⁵ / m⌋) */
  chunkSize?: number;
  /** Where the similarity products and top-k run. @default resolveBackend() of `@vit/io` (onnxruntime when installed) */
  backend?: NumericBackend;
}

/** k-NN scores of every selected layer and every `k` (SPEC 14). */
export interface KnnIndexResult {
  /** 1-based layer numbers, one per row of the tensors below. */
  layers: number[];
  /** The neighbour counts, increasing, one per column. */
  k: number[];
  /** Top-1 accuracy `[L, nk]` in [0, 1]; NaN without `testLabels`. */
  top1: Tensor<Float64Array>;
  /** Top-5 accuracy `[L, nk]`; NaN without `testLabels`. */
  top5: Tensor<Float64Array>;
  /** Predicted class of every test row `[L, nk, m]`. */
  predictions: Tensor<Int32Array>;
  /** The 5 best classes of every test row `[L, nk, m, 5]`, best first; `-1` where fewer than 5 classes got votes. */
  top5Predictions: Tensor<Int32Array>;
}

interface Stored {
  k: number[];
  temperature: number;
  numClasses: number | null;
  layers: null | number | number[];
  tokens: RowTokens;
  chunkSize: number;
}

/** Running neighbours of one layer. */
interface LayerState {
  vals: Float32Array;
  idx: Float64Array;
  lab: Int32Array;
  filled: number;
}

const KIND = 'KnnIndex';
const VERSION = 1;

/**
 * Streaming k-NN classifier (SPEC 14), an accumulator over the train set: the test (query)
 * features are held, train features arrive with `update` (a Capture's block taps or
 * `{ features, labels }`), and per test row and layer a running top-`kmax` list (similarity,
 * train index, label) is merged batch by batch. Memory: the test features, one chunk's
 * similarities `[m, chunk]` and `m × kmax` neighbours per layer, whatever the size of the train
 * set. Several `k` and every selected layer are answered from one pass; `toJSON`/`fromJSON` and
 * `merge` let a study cache, resume and shard the train set.
 *
 * Features are L2-normalised; similarity is the cosine `test · trainᵀ` computed by
 * `backend.matmul`, the per-chunk top-k by `backend.topk`. A neighbour votes `exp(s/T)` for its
 * class; the class score is the sum of votes. Ties: neighbours of equal similarity are ordered
 * by train index (stream order), classes of equal score by class index (the lower wins). A class
 * without votes is never predicted.
 *
 * @example
 * const index = new KnnIndex(testFeatures, { k: [10, 20], testLabels }); // testFeatures: [m,D] per layer
 * for await (const capture of trainCaptures) await index.update(capture); // labels from capture.meta.labels
 * const { layers, top1 } = index.result(); // top1: [L, 2]
 */
export class KnnIndex {
  /** The resolved options (JSON-safe; the backend is kept apart). */
  readonly options: Readonly<Stored>;
  /** Number of test rows `m`. */
  readonly m: number;
  private tests: Matrix[];
  private readonly testLabels: Int32Array | null;
  private readonly kmax: number;
  private readonly backendOption?: NumericBackend;
  private backend: Promise<NumericBackend> | null = null;
  /** Selected 1-based layers and the test entry each uses (fixed by the first update). */
  private layerNumbers: number[] | null = null;
  private testPos: number[] | null = null;
  private st: LayerState[] = [];
  private maxLabel = -1;
  private n = 0;

  /**
   * @param test Test (query) features: one `[m,d]` tensor, or one per layer — either one per
   *   selected layer or one per layer of the updates (then the selection applies to it too).
   *   Any numeric dtype; need not be normalised.
   * @param options See {@link KnnIndexOptions}.
   * @throws VitValueError when `test` is empty or not `[m,d]`, `k`/`temperature`/`numClasses`/`tokens` are invalid, or `testLabels` does not have `m` valid labels.
   */
  constructor(test: Tensor<TypedArray> | readonly Tensor<TypedArray>[], options: KnnIndexOptions = {}) {
    const fn = KIND;
    const ksRaw = options.k ?? [10, 20, 100, 200];
    const list = typeof ksRaw === 'number' ? [ksRaw] : [...ksRaw];
    if (list.length === 0) throw new VitValueError(`\`k\` of ${fn} must list at least one neighbour count. Got [].`, { code: 'VIT_EMPTY' });
    for (const k of list) integer(k, 'k', fn, 1);
    const ks = [...new Set(list)].sort((a, b) => a - b);
    this.kmax = ks[ks.length - 1];
    const temperature = positive(options.temperature ?? 0.07, 'temperature', fn);
    if (options.numClasses !== undefined) integer(options.numClasses, 'numClasses', fn, 1);
    const tests = Array.isArray(test) ? test : [test as Tensor<TypedArray>];
    perLayerList(tests, 'test', fn);
    this.tests = tests.map((t, i) => normalizedMatrix(t, tests.length === 1 ? 'test' : `test[${i}]`, fn).m);
    this.m = this.tests[0].shape[0];
    this.tests.forEach((t, i) => {
      if (t.shape[0] !== this.m) throw new VitValueError(`\`test[${i}]\` of ${fn} must have ${this.m} rows like test[0]. Got ${t.shape[0]}.`, { code: 'VIT_SHAPE' });
    });
    this.testLabels = options.testLabels === undefined ? null : labelArray(options.testLabels, this.m, 'testLabels', fn, options.numClasses);
    const m = this.m;
    const chunkSize = integer(options.chunkSize ?? Math.max(1024, Math.floor(2 ** 25 / m)), 'chunkSize', fn, 1);
    this.options = { k: ks, temperature, numClasses: options.numClasses ?? null, layers: layersJSON(options.layers), tokens: rowTokens(options.tokens, fn), chunkSize };
    this.backendOption = options.backend;
  }

  /** Number of train rows added so far. */
  get seen(): number {
    return this.n;
  }

  /**
   * Add a batch of train rows: a Capture (its `taps.block`, labels from `meta.labels`) or
   * `{ features: Tensor[] ([B,D] or [B,T,D] per layer), labels [B] }`. Updates may run
   * concurrently: each batch's rows get their train indices when `update` is called.
   * @returns a promise of this (after the batch has been merged).
   * @throws VitValueError (the promise rejects) on a width or layer set other than the first update's (`VIT_SHAPE`), a label count other than `B`, a non-integer label, or non-finite features (`VIT_NON_FINITE`).
   */
  async update(input: FeatureInput): Promise<this> {
    const fn = `${KIND}.update`;
    const p = readFeatures(input, this.options.layers, this.options.tokens, fn);
    const pos = this.bindLayers(p.layers, p.positions, p.count, fn);
    const labels = labelArray(p.labels, p.B, 'input.labels', fn, this.options.numClasses ?? undefined);
    const xs = p.rows.map((r, l) => {
      const d = this.tests[pos[l]].shape[1];
      if (p.dims[l] !== d) throw new VitValueError(`The features of layer ${p.layers[l]} given to ${fn} must be ${d} wide like the test features. Got ${p.dims[l]}.`, { code: 'VIT_SHAPE' });
      return normalizeRows(r, p.B, d, 'input features', fn);
    });
    if (this.st.length === 0) this.st = p.layers.map(() => this.emptyLayer());
    const base = this.n;
    this.n += p.B;
    for (let i = 0; i < p.B; i++) if (labels[i] > this.maxLabel) this.maxLabel = labels[i];
    this.backend ??= backendOf(this.backendOption);
    const backend = await this.backend;
    const chunk = this.options.chunkSize;
    for (let l = 0; l < xs.length; l++) {
      const test = this.tests[pos[l]];
      const d = test.shape[1];
      for (let s = 0; s < p.B; s += chunk) {
        const e = Math.min(p.B, s + chunk);
        const c = e - s;
        const sims = await backend.matmul(test, tensor(xs[l].subarray(s * d, e * d), [c, d]), { transB: true });
        const kc = Math.min(this.kmax, c);
        const top = await backend.topk(sims, kc);
        this.mergeTop(this.st[l], top.values.data, top.indices, kc, base + s, labels.subarray(s, e));
      }
    }
    return this;
  }

  /**
   * Merge another index built over the same test features and options from a different part of
   * the train set; its train indices are placed after this one's (for tie-breaking).
   * @returns this
   * @throws VitValueError when the test features, `k`, temperature or layers differ.
   */
  merge(other: KnnIndex): this {
    const fn = `${KIND}.merge`;
    if (!(other instanceof KnnIndex)) throw new VitValueError(`\`other\` of ${fn} must be a KnnIndex. Got ${typeof other}.`);
    const same =
      other.m === this.m &&
      other.kmax === this.kmax &&
      JSON.stringify(other.options) === JSON.stringify(this.options) &&
      other.tests.length === this.tests.length &&
      other.tests.every((t, i) => t.shape[1] === this.tests[i].shape[1] && t.data.every((v, j) => v === this.tests[i].data[j]));
    if (!same) throw new VitValueError(`\`other\` of ${fn} must index the same test features with the same options. Got ${JSON.stringify(other.options)} vs ${JSON.stringify(this.options)}.`);
    if (other.n === 0) return this;
    if (this.layerNumbers === null) {
      this.layerNumbers = [...other.layerNumbers!];
      this.testPos = [...other.testPos!];
      this.st = other.layerNumbers!.map(() => this.emptyLayer());
    } else if (JSON.stringify(this.layerNumbers) !== JSON.stringify(other.layerNumbers) || JSON.stringify(this.testPos) !== JSON.stringify(other.testPos)) {
      throw new VitValueError(`\`other\` of ${fn} must hold the same layers (${this.layerNumbers.join(', ')}). Got ${other.layerNumbers!.join(', ')}.`, { code: 'VIT_SHAPE' });
    }
    const K = this.kmax;
    for (let l = 0; l < this.st.length; l++) {
      const o = other.st[l];
      const kc = o.filled;
      const gIdx = new Float64Array(kc);
      const st = this.st[l];
      for (let r = 0; r < this.m; r++) {
        const off = r * K;
        for (let j = 0; j < kc; j++) gIdx[j] = this.n + o.idx[off + j];
        mergeRow(st, K, r, o.vals.subarray(off, off + kc), gIdx, o.lab.subarray(off, off + kc), kc);
      }
      st.filled = Math.min(K, st.filled + kc);
    }
    this.n += other.n;
    this.maxLabel = Math.max(this.maxLabel, other.maxLabel);
    return this;
  }

  /** Forget every train row (the test features and options stay). @returns this */
  reset(): this {
    this.n = 0;
    this.maxLabel = -1;
    this.st = [];
    this.layerNumbers = null;
    this.testPos = null;
    return this;
  }

  /**
   * Classify every test row for each `k` and layer (pure: the state is unchanged).
   * @throws VitValueError before any update (`VIT_EMPTY`) or when a `k` exceeds the number of train rows seen.
   */
  result(): KnnIndexResult {
    const fn = `${KIND}.result`;
    if (this.n === 0 || this.layerNumbers === null) throw new VitValueError(`${fn}: no train rows yet; call update() first.`, { code: 'VIT_EMPTY' });
    const ks = this.options.k;
    for (const k of ks) {
      if (k > this.n) throw new VitValueError(`\`k\` of ${KIND} must be ≤ the number of train rows seen (${this.n}). Got k = ${k}.`, { code: 'VIT_K_TOO_LARGE' });
    }
    const numClasses = this.options.numClasses ?? this.maxLabel + 1;
    const T = this.options.temperature;
    const labels = this.testLabels;
    const L = this.st.length;
    const nk = ks.length;
    const m = this.m;
    const K = this.kmax;
    const top1 = new Float64Array(L * nk).fill(NaN);
    const top5 = new Float64Array(L * nk).fill(NaN);
    const predictions = new Int32Array(L * nk * m);
    const top5Predictions = new Int32Array(L * nk * m * 5).fill(-1);
    const score = new Float64Array(numClasses);
    const touched = new Int32Array(K);
    for (let l = 0; l < L; l++) {
      const { vals, lab } = this.st[l];
      for (let q = 0; q < nk; q++) {
        const k = ks[q];
        const base = (l * nk + q) * m;
        let c1 = 0;
        let c5 = 0;
        for (let r = 0; r < m; r++) {
          const o = r * K;
          let nt = 0;
          for (let j = 0; j < k; j++) {
            const c = lab[o + j];
            if (score[c] === 0) touched[nt++] = c;
            score[c] += Math.exp(vals[o + j] / T);
          }
          // The 5 best touched classes: score descending, class index ascending.
          for (let s = 0; s < 5 && s < nt; s++) {
            let best = s;
            for (let u = s + 1; u < nt; u++) {
              const a = touched[u];
              const b = touched[best];
              if (score[a] > score[b] || (score[a] === score[b] && a < b)) best = u;
            }
            const tmp = touched[s];
            touched[s] = touched[best];
            touched[best] = tmp;
            top5Predictions[(base + r) * 5 + s] = touched[s];
          }
          predictions[base + r] = touched[0];
          if (labels) {
            if (touched[0] === labels[r]) c1++;
            for (let s = 0; s < 5 && s < nt; s++) if (touched[s] === labels[r]) c5++;
          }
          for (let u = 0; u < nt; u++) score[touched[u]] = 0;
        }
        if (labels) {
          top1[l * nk + q] = c1 / m;
          top5[l * nk + q] = c5 / m;
        }
      }
    }
    return {
      layers: [...this.layerNumbers],
      k: [...ks],
      top1: tensor(top1, [L, nk]),
      top5: tensor(top5, [L, nk]),
      predictions: tensor(predictions, [L, nk, m]),
      top5Predictions: tensor(top5Predictions, [L, nk, m, 5]),
    };
  }

  /** The state as JSON (test features and running neighbours as base64 of their bytes: exact). */
  toJSON(): AccumulatorJSON<Stored, Record<string, unknown>> {
    return {
      kind: KIND,
      version: VERSION,
      options: { ...this.options, k: [...this.options.k] },
      state: {
        m: this.m,
        widths: this.tests.map((t) => t.shape[1]),
        test: this.tests.map((t) => toBase64(t.data)),
        testLabels: this.testLabels ? Array.from(this.testLabels) : null,
        layers: this.layerNumbers,
        testPos: this.testPos,
        maxLabel: this.maxLabel,
        filled: this.st.map((s) => s.filled),
        vals: this.st.map((s) => toBase64(s.vals)),
        idx: this.st.map((s) => toBase64(s.idx)),
        lab: this.st.map((s) => toBase64(s.lab)),
      },
      seen: this.n,
    };
  }

  /**
   * Restore an index from {@link toJSON} output.
   * @param json What `toJSON()` returned (possibly through `JSON.parse`).
   * @param options `backend`: where later updates run (not serialised). @default the default backend
   * @throws VitValueError when `json` is not a KnnIndex state of this version.
   */
  static fromJSON(json: unknown, options: AccumulatorRestoreOptions = {}): KnnIndex {
    const fn = `${KIND}.fromJSON`;
    const j = checkEnvelope(json, KIND, VERSION, fn);
    const o = j.options as unknown as Stored;
    const s = j.state as Record<string, unknown>;
    const m = s.m as number;
    const widths = s.widths as number[];
    const tests = widths.map((d, i) => tensor(fromBase64(((s.test as string[]) ?? [])[i], Float32Array, m * d, `state.test[${i}]`, fn), [m, d]));
    const index = new KnnIndex(tests, {
      k: o.k,
      temperature: o.temperature,
      numClasses: o.numClasses ?? undefined,
      testLabels: (s.testLabels as number[] | null) ?? undefined,
      layers: o.layers,
      tokens: o.tokens,
      chunkSize: o.chunkSize,
      backend: options.backend,
    });
    index.tests = tests; // exactly the stored (already normalised) rows
    index.n = j.seen;
    index.maxLabel = s.maxLabel as number;
    index.layerNumbers = (s.layers as number[] | null) ?? null;
    index.testPos = (s.testPos as number[] | null) ?? null;
    const K = index.kmax;
    index.st = (index.layerNumbers ?? []).map((_, l) => ({
      vals: fromBase64((s.vals as string[])[l], Float32Array, m * K, `state.vals[${l}]`, fn),
      idx: fromBase64((s.idx as string[])[l], Float64Array, m * K, `state.idx[${l}]`, fn),
      lab: fromBase64((s.lab as string[])[l], Int32Array, m * K, `state.lab[${l}]`, fn),
      filled: (s.filled as number[])[l],
    }));
    return index;
  }

  private emptyLayer(): LayerState {
    const n = this.m * this.kmax;
    return { vals: new Float32Array(n), idx: new Float64Array(n), lab: new Int32Array(n), filled: 0 };
  }

  /** Fix (first update) or check the selected layers; returns the test entry of each. */
  private bindLayers(layers: number[], positions: number[], inputCount: number, fn: string): number[] {
    if (this.layerNumbers !== null) {
      if (JSON.stringify(layers) !== JSON.stringify(this.layerNumbers)) {
        throw new VitValueError(`The layers of ${fn} must stay those of the first update (${this.layerNumbers.join(', ')}). Got ${layers.join(', ')}.`, { code: 'VIT_SHAPE_CHANGE' });
      }
      return this.testPos!;
    }
    let pos: number[];
    if (this.tests.length === layers.length) pos = layers.map((_, i) => i);
    else if (this.tests.length === inputCount) pos = [...positions];
    else {
      throw new VitValueError(
        `\`test\` of ${KIND} must hold one tensor per selected layer (${layers.length}: ${layers.join(', ')}) or one per layer of the updates. Got ${this.tests.length}.`,
        { code: 'VIT_SHAPE' },
      );
    }
    this.layerNumbers = [...layers];
    this.testPos = pos;
    return pos;
  }

  private mergeTop(st: LayerState, tv: Float32Array, ti: Int32Array, kc: number, base: number, lab: Int32Array): void {
    const gIdx = new Float64Array(kc);
    const gLab = new Int32Array(kc);
    for (let r = 0; r < this.m; r++) {
      for (let j = 0; j < kc; j++) {
        const col = ti[r * kc + j];
        gIdx[j] = base + col;
        gLab[j] = lab[col];
      }
      mergeRow(st, this.kmax, r, tv.subarray(r * kc, (r + 1) * kc), gIdx, gLab, kc);
    }
    st.filled = Math.min(this.kmax, st.filled + kc);
  }
}

/** Merge a sorted candidate list (value desc, index asc) into row `r`'s running list. */
function mergeRow(st: LayerState, K: number, r: number, cv: ArrayLike<number>, ci: Float64Array, cl: ArrayLike<number>, kc: number): void {
  const o = r * K;
  const n0 = st.filled;
  const total = Math.min(K, n0 + kc);
  const ov = st.vals.slice(o, o + n0);
  const oi = st.idx.slice(o, o + n0);
  const ol = st.lab.slice(o, o + n0);
  let a = 0;
  let b = 0;
  for (let j = 0; j < total; j++) {
    const takeOld = b >= kc || (a < n0 && (ov[a] > cv[b] || (ov[a] === cv[b] && oi[a] < ci[b])));
    if (takeOld) {
      st.vals[o + j] = ov[a];
      st.idx[o + j] = oi[a];
      st.lab[o + j] = ol[a++];
    } else {
      st.vals[o + j] = cv[b];
      st.idx[o + j] = ci[b];
      st.lab[o + j] = cl[b++];
    }
  }
}
