import { resolveBackend, VitValueError, type Accumulator, type AccumulatorJSON, type NumericBackend, type Tensor } from '@vit/io';
import { pcaCentre, pcaCheckK, pcaMergeStats, pcaRows, pcaScatterBackend, pcaScatterSync, pcaSolve, type PCAModel, type PcaStats } from './pcaState.js';

/** Options of {@link PCAAccumulator}. */
export interface PCAAccumulatorOptions {
  /** Number of principal components in `result()`. @default 3 */
  k?: number;
  /**
   * With a Capture-like input (`{ taps: { block }, grid }`): the 1-based layer whose block
   * output is used.
   * @default the last layer
   */
  layer?: number;
  /**
   * With a Capture-like input: which tokens become rows — `'spatial'` (every patch token),
   * `'cls'` (token 0) or `'all'`.
   * @default 'spatial'
   */
  tokens?: 'spatial' | 'cls' | 'all';
  /** Backend of {@link PCAAccumulator.updateAsync}'s scatter product (not serialised). @default the default backend of `resolveBackend` (onnxruntime when installed) */
  backend?: NumericBackend;
}

/** What {@link PCAAccumulator.update} takes: rows `[N,D]` / `[B,T,D]`, or a Capture's block taps. */
export type PCAInput = Tensor | { taps: { block: Tensor[] }; grid?: { prefix: number } };

type Stored = { k: number; layer: number | null; tokens: 'spatial' | 'cls' | 'all' };
type State = { n: number; dim: number; mean: number[]; scatter: number[] } | null;

/**
 * Principal components over a whole dataset, one batch at a time: keeps the row count, the
 * mean and the centred scatter matrix `Σ (x−μ)(x−μ)ᵀ` in float64, each batch centred on its
 * own mean and combined with Chan et al.'s pairwise formula, so merging shards gives the same
 * state as one pass (up to float summation order) and no large mean is ever subtracted from
 * raw second moments. `update` forms the batch scatter in TypeScript (synchronous, as the
 * accumulator contract needs); `updateAsync` sends it through `options.backend`. `result()`
 * finds the covariance's top eigenvectors as {@link pca} does.
 * @example
 * const acc = new PCAAccumulator({ k: 3, layer: 9 });
 * for await (const cap of session.stream(images)) acc.update(cap);
 * const model = acc.result(); // then pcaProject(tokens, model)
 */
export class PCAAccumulator implements Accumulator<PCAInput, PCAModel, Stored, State> {
  readonly kind = 'PCA';
  private readonly opts: Stored;
  private readonly backend: NumericBackend | undefined;
  private stats: PcaStats | null = null;
  private count = 0;

  /** Stores (and checks) the options only. */
  constructor(options: PCAAccumulatorOptions = {}) {
    const k = pcaCheckK(options.k ?? 3, 'PCAAccumulator');
    const layer = options.layer ?? null;
    if (layer !== null && (!Number.isInteger(layer) || layer === 0)) {
      throw new VitValueError(`\`layer\` of PCAAccumulator must be a 1-based layer number (negative counts from the end). Got ${layer}.`);
    }
    const tokens = options.tokens ?? 'spatial';
    if (tokens !== 'spatial' && tokens !== 'cls' && tokens !== 'all') {
      throw new VitValueError(`\`tokens\` of PCAAccumulator must be 'spatial', 'cls' or 'all'. Got ${JSON.stringify(tokens)}.`);
    }
    this.opts = { k, layer, tokens };
    this.backend = options.backend;
  }

  /** Images (or rows, for a bare `[N,D]` input) seen so far. */
  get seen(): number {
    return this.count;
  }

  /** The options as stored (JSON-serialisable). */
  get options(): Stored {
    return { ...this.opts };
  }

  private rows(input: PCAInput, fn: string): { d: Float32Array; n: number; dim: number; items: number } {
    let x: Tensor;
    let prefix = 0;
    let fromCapture = false;
    if (input && typeof input === 'object' && 'taps' in input) {
      const block = input.taps?.block;
      if (!Array.isArray(block) || block.length === 0) throw new VitValueError(`\`capture.taps.block\` of ${fn} must list the block outputs [B,T,D] per layer; request the 'block' tap.`);
      const L = block.length;
      const l = this.opts.layer ?? L;
      const idx = l > 0 ? l - 1 : L + l;
      if (idx < 0 || idx >= L) throw new VitValueError(`layer ${l} is out of range (1 to ${L}) in ${fn}.`);
      x = block[idx];
      prefix = input.grid?.prefix ?? 1;
      fromCapture = true;
    } else {
      x = input as Tensor;
    }
    if (fromCapture) {
      if (!x || x.shape?.length !== 3) throw new VitValueError(`block tap of ${fn} must be [B,T,D]. Got [${x?.shape?.join(',')}].`, { code: 'VIT_SHAPE' });
      const [B, T, D] = x.shape;
      const from = this.opts.tokens === 'spatial' ? prefix : 0;
      const to = this.opts.tokens === 'cls' ? 1 : T;
      const per = to - from;
      // The selected tokens of each image, as `[B,per,D]` rows (one copy, whatever the strides).
      const { d } = pcaRows(x.lo(0, from, 0).hi(B, per, D), 'capture.taps.block', fn);
      return { d, n: B * per, dim: D, items: B };
    }
    const r = pcaRows(x, 'input', fn);
    return { ...r, items: r.n };
  }

  private add(n: number, dim: number, mean: Float64Array, scatter: Float64Array, items: number, fn: string): this {
    if (this.stats && this.stats.dim !== dim) {
      throw new VitValueError(`${fn}: the feature dimension changed from ${this.stats.dim} to ${dim} between updates; use one accumulator per layer and model.`, { code: 'VIT_SHAPE_CHANGE' });
    }
    this.stats = pcaMergeStats(this.stats ?? { n: 0, dim, mean: new Float64Array(dim), scatter: new Float64Array(dim * dim) }, { n, dim, mean, scatter });
    this.count += items;
    return this;
  }

  /**
   * Adds a batch: rows `[N,D]` (or `[B,T,D]`, every token a row), or a Capture-like object
   * whose `taps.block[layer−1]` `[B,T,D]` gives the rows selected by `tokens`.
   * @throws VitValueError for a bad shape, NaN/Infinity, or a dimension change.
   */
  update(input: PCAInput): this {
    const { d, n, dim, items } = this.rows(input, 'PCAAccumulator.update');
    const mean = pcaCentre(d, n, dim);
    return this.add(n, dim, mean, pcaScatterSync(d, n, dim), items, 'PCAAccumulator.update');
  }

  /** Same as {@link update}, with the scatter product computed by `options.backend`. */
  async updateAsync(input: PCAInput): Promise<this> {
    const { d, n, dim, items } = this.rows(input, 'PCAAccumulator.updateAsync');
    const mean = pcaCentre(d, n, dim);
    const scatter = await pcaScatterBackend(d, n, dim, await resolveBackend(this.backend));
    return this.add(n, dim, mean, scatter, items, 'PCAAccumulator.updateAsync');
  }

  /** Combines another shard's state into this one (same options). */
  merge(other: PCAAccumulator): this {
    if (!(other instanceof PCAAccumulator)) throw new VitValueError('`other` of PCAAccumulator.merge must be a PCAAccumulator.');
    if (!other.stats) return this;
    return this.add(other.stats.n, other.stats.dim, other.stats.mean, other.stats.scatter, other.count, 'PCAAccumulator.merge');
  }

  /**
   * The top-`k` principal axes of everything seen (pure, repeatable).
   * @throws VitValueError (`VIT_EMPTY`) before 2 rows were seen, or when `k` exceeds `D`.
   */
  result(): PCAModel {
    if (!this.stats) throw new VitValueError('PCAAccumulator.result: nothing was accumulated; call update() with at least 2 rows first.', { code: 'VIT_EMPTY' });
    return pcaSolve(this.stats, this.opts.k, 'PCAAccumulator.result');
  }

  /** Clears the state (keeps the options). */
  reset(): this {
    this.stats = null;
    this.count = 0;
    return this;
  }

  /** `{ kind: 'PCA', version: 1, options, state: { n, dim, mean, scatter } | null, seen }`. */
  toJSON(): AccumulatorJSON<Stored, State> {
    const s = this.stats;
    return {
      kind: this.kind,
      version: 1,
      options: { ...this.opts },
      state: s ? { n: s.n, dim: s.dim, mean: Array.from(s.mean), scatter: Array.from(s.scatter) } : null,
      seen: this.count,
    };
  }

  /**
   * Restores an accumulator from {@link toJSON} output.
   * @param json The serialised state.
   * @param options `{ backend }` for later `updateAsync` calls.
   * @throws VitValueError for another kind or an unknown version.
   */
  static fromJSON(json: AccumulatorJSON<Stored, State>, options: { backend?: NumericBackend } = {}): PCAAccumulator {
    if (!json || json.kind !== 'PCA' || json.version !== 1) {
      throw new VitValueError(`PCAAccumulator.fromJSON expects { kind: 'PCA', version: 1 }. Got kind ${JSON.stringify(json?.kind)}, version ${JSON.stringify(json?.version)}.`);
    }
    const acc = new PCAAccumulator({ ...json.options, layer: json.options.layer ?? undefined, backend: options.backend });
    const s = json.state;
    if (s) {
      if (s.mean.length !== s.dim || s.scatter.length !== s.dim * s.dim) throw new VitValueError(`PCAAccumulator.fromJSON: state sizes do not match dim ${s.dim}; the JSON is corrupt.`);
      acc.stats = { n: s.n, dim: s.dim, mean: Float64Array.from(s.mean), scatter: Float64Array.from(s.scatter) };
    }
    acc.count = json.seen;
    return acc;
  }
}
