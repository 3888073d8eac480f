import { VitValueError, referenceBackend } from '@vit/io';
import type { Matrix, NumericBackend, Tensor, TypedArray } from '@vit/io';
import { integer, labelArray, normalizedMatrix, positive } from './internal/rows.js';

export interface KnnIndexOptions {
  /** Neighbour counts evaluated in the same pass (each ≤ the number of train rows). @default [10, 20, 100, 200] */
  k?: number | readonly number[];
  /** Vote temperature `T`: a neighbour with cosine similarity `s` votes `exp(s/T)`. @default 0.07 */
  temperature?: number;
  /** Number of classes; labels must lie in `[0, numClasses)`. @default 1 + the largest label seen */
  numClasses?: number;
  /** True labels of the test rows `[m]`; without them `top1`/`top5` are `null`. @default undefined */
  testLabels?: ArrayLike<number>;
  /** Where the similarity product and the per-chunk top-k run. @default referenceBackend */
  backend?: NumericBackend;
}

/** The outcome of k-NN classification for one `k`. */
export interface KnnResult {
  /** The neighbour count. */
  k: number;
  /** Top-1 accuracy in [0, 1], or `null` without test labels. */
  top1: number | null;
  /** Top-5 accuracy in [0, 1], or `null` without test labels. */
  top5: number | null;
  /** Predicted class of every test row `[m]`. */
  predictions: Int32Array;
  /** The 5 best classes of every test row `[m,5]` (row-major), best first; `-1` where fewer than 5 classes got votes. */
  top5Predictions: Int32Array;
}

const FN = 'KnnIndex';

/**
 * Streaming k-NN classifier (SPEC 14): the test features are held, the train features arrive
 * in chunks of any size, and per test row a running top-`kmax` list (similarity, train index,
 * label) is merged chunk by chunk. Memory: the test features, one chunk's similarities
 * `[m, chunk]` and `m × kmax` neighbours, whatever the size of the train set. Several `k` are
 * answered from one pass.
 *
 * Features are L2-normalised; similarity is the cosine `test · trainᵀ` computed by
 * `backend.matmul`, the per-chunk top-k by `backend.topk`. A neighbour votes `exp(s/T)` for its
 * class; the class score is the sum of votes. Ties: neighbours of equal similarity are ordered
 * by train index (stream order; the first seen wins the last place), classes of equal score by
 * class index (the lower wins). A class without votes is never predicted.
 *
 * @example
 * const index = new KnnIndex(testFeatures, { k: [10, 20], testLabels });
 * for await (const { features, labels } of trainChunks) await index.add(features, labels);
 * const [k10, k20] = index.result();
 * console.log(k20.top1, k20.top5);
 */
export class KnnIndex {
  /** The resolved options (labels copied as Int32Array). */
  readonly options: Readonly<Required<Omit<KnnIndexOptions, 'numClasses' | 'testLabels'>>> & {
    numClasses?: number;
    testLabels?: Int32Array;
  };
  /** The sorted, unique neighbour counts. */
  readonly ks: readonly number[];
  /** Number of test rows `m`. */
  readonly m: number;
  /** Feature width `d`. */
  readonly d: number;
  private readonly test: Matrix;
  private readonly kmax: number;
  private vals: Float32Array;
  private idx: Float64Array;
  private lab: Int32Array;
  private filled = 0;
  private maxLabel = -1;
  private _seen = 0;

  /**
   * @param test Test (query) features `[m,d]`; any numeric dtype, need not be normalised.
   * @param options See {@link KnnIndexOptions}.
   * @throws VitValueError when `test` is not a non-empty 2-D tensor, `k`/`temperature`/`numClasses` are invalid, or `testLabels` does not have `m` valid labels.
   */
  constructor(test: Tensor<TypedArray>, options: KnnIndexOptions = {}) {
    const ksRaw = options.k ?? [10, 20, 100, 200];
    const list = typeof ksRaw === 'number' ? [ksRaw] : [...ksRaw];
    if (list.length === 0) throw new VitValueError(`\`k\` of ${FN} must list at least one neighbour count. Got [].`);
    for (const k of list) integer(k, 'k', FN, 1);
    this.ks = [...new Set(list)].sort((a, b) => a - b);
    this.kmax = this.ks[this.ks.length - 1];
    const temperature = positive(options.temperature ?? 0.07, 'temperature', FN);
    if (options.numClasses !== undefined) integer(options.numClasses, 'numClasses', FN, 1);
    const { m: t, n, d } = normalizedMatrix(test, 'test', FN);
    this.test = t;
    this.m = n;
    this.d = d;
    const testLabels = options.testLabels === undefined ? undefined : labelArray(options.testLabels, n, 'testLabels', FN, options.numClasses);
    this.options = { k: this.ks, temperature, numClasses: options.numClasses, testLabels, backend: options.backend ?? referenceBackend };
    this.vals = new Float32Array(n * this.kmax);
    this.idx = new Float64Array(n * this.kmax);
    this.lab = new Int32Array(n * this.kmax);
  }

  /** Number of train rows added so far. */
  get seen(): number {
    return this._seen;
  }

  /**
   * Add a chunk of train features and their labels. Chunks may be awaited one by one or run
   * concurrently: each chunk's rows get their train indices when `add` is called.
   * @param features Train features `[c,d]`.
   * @param labels Their class labels `[c]` (integers in `[0, numClasses)`).
   * @returns this (after the chunk has been merged).
   * @throws VitValueError on a width other than `d`, a label count other than `c`, or a bad label.
   */
  async add(features: Tensor<TypedArray>, labels: ArrayLike<number>): Promise<this> {
    const { m: x, n: c } = normalizedMatrix(features, 'features', `${FN}.add`, this.d);
    const lab = labelArray(labels, c, 'labels', `${FN}.add`, this.options.numClasses);
    const base = this._seen;
    this._seen += c;
    for (let i = 0; i < c; i++) if (lab[i] > this.maxLabel) this.maxLabel = lab[i];
    const backend = this.options.backend;
    const sims = await backend.matmul(this.test, x, { transB: true });
    const kc = Math.min(this.kmax, c);
    const top = await backend.topk(sims, kc);
    const tv = top.values.data;
    const gIdx = new Float64Array(kc);
    const gLab = new Int32Array(kc);
    for (let r = 0; r < this.m; r++) {
      for (let j = 0; j < kc; j++) {
        const col = top.indices[r * kc + j];
        gIdx[j] = base + col;
        gLab[j] = lab[col];
      }
      this.mergeRow(r, tv.subarray(r * kc, (r + 1) * kc), gIdx, gLab, kc);
    }
    this.filled = Math.min(this.kmax, this.filled + kc);
    return this;
  }

  /**
   * Merge another index built over the same test features and options from a different part of
   * the train set; its train indices are placed after this one's (for tie-breaking).
   * @returns this
   * @throws VitValueError when the test shape or `k` differ.
   */
  merge(other: KnnIndex): this {
    if (other.m !== this.m || other.d !== this.d || other.kmax !== this.kmax) {
      throw new VitValueError(
        `\`other\` of ${FN}.merge must index the same test set with the same k: [${this.m},${this.d}] kmax ${this.kmax} vs [${other.m},${other.d}] kmax ${other.kmax}.`,
      );
    }
    const kc = other.filled;
    const gIdx = new Float64Array(kc);
    for (let r = 0; r < this.m; r++) {
      const o = r * other.kmax;
      for (let j = 0; j < kc; j++) gIdx[j] = this._seen + other.idx[o + j];
      this.mergeRow(r, other.vals.subarray(o, o + kc), gIdx, other.lab.subarray(o, o + kc), kc);
    }
    this.filled = Math.min(this.kmax, this.filled + kc);
    this._seen += other._seen;
    this.maxLabel = Math.max(this.maxLabel, other.maxLabel);
    return this;
  }

  /** Forget every train row. @returns this */
  reset(): this {
    this._seen = 0;
    this.filled = 0;
    this.maxLabel = -1;
    return this;
  }

  /**
   * Classify every test row for each `k`.
   * @returns One {@link KnnResult} per `k`, in increasing `k`.
   * @throws VitValueError when a `k` exceeds the number of train rows seen.
   */
  result(): KnnResult[] {
    for (const k of this.ks) {
      if (k > this._seen) {
        throw new VitValueError(`\`k\` of ${FN} must be ≤ the number of train features (${this._seen}). Got k = ${k}.`);
      }
    }
    const numClasses = this.options.numClasses ?? this.maxLabel + 1;
    const T = this.options.temperature;
    const labels = this.options.testLabels;
    const score = new Float64Array(numClasses);
    const touched = new Int32Array(this.kmax);
    const out: KnnResult[] = [];
    for (const k of this.ks) {
      const predictions = new Int32Array(this.m);
      const top5Predictions = new Int32Array(this.m * 5).fill(-1);
      let c1 = 0;
      let c5 = 0;
      for (let r = 0; r < this.m; r++) {
        const o = r * this.kmax;
        let nt = 0;
        for (let j = 0; j < k; j++) {
          const c = this.lab[o + j];
          if (score[c] === 0) touched[nt++] = c;
          score[c] += Math.exp(this.vals[o + j] / T);
        }
        // Pick the 5 best touched classes: score descending, class index ascending.
        for (let s = 0; s < 5 && s < nt; s++) {
          let best = s;
          for (let q = s + 1; q < nt; q++) {
            const a = touched[q];
            const b = touched[best];
            if (score[a] > score[b] || (score[a] === score[b] && a < b)) best = q;
          }
          const tmp = touched[s];
          touched[s] = touched[best];
          touched[best] = tmp;
          top5Predictions[r * 5 + s] = touched[s];
        }
        predictions[r] = touched[0];
        if (labels) {
          if (touched[0] === labels[r]) c1++;
          for (let s = 0; s < 5 && s < nt; s++) if (touched[s] === labels[r]) c5++;
        }
        for (let q = 0; q < nt; q++) score[touched[q]] = 0;
      }
      out.push({
        k,
        top1: labels ? c1 / this.m : null,
        top5: labels ? c5 / this.m : null,
        predictions,
        top5Predictions,
      });
    }
    return out;
  }

  /** Merge a sorted candidate list (value desc, index asc) into row `r`'s running list. */
  private mergeRow(r: number, cv: ArrayLike<number>, ci: Float64Array, cl: ArrayLike<number>, kc: number): void {
    const K = this.kmax;
    const o = r * K;
    const n0 = this.filled;
    const total = Math.min(K, n0 + kc);
    const ov = this.vals.slice(o, o + n0);
    const oi = this.idx.slice(o, o + n0);
    const ol = this.lab.slice(o, o + n0);
    let a = 0;
    let b = 0;
    for (let j = 0; j < total; j++) {
      const takeOld = b >= kc || (a < n0 && (ov[a] > cv[b] || (ov[a] === cv[b] && oi[a] < ci[b])));
      if (takeOld) {
        this.vals[o + j] = ov[a];
        this.idx[o + j] = oi[a];
        this.lab[o + j] = ol[a++];
      } else {
        this.vals[o + j] = cv[b];
        this.idx[o + j] = ci[b];
        this.lab[o + j] = cl[b++];
      }
    }
  }
}
