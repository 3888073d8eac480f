import { VitValueError, resolveBackend, tensor } from '@vit/io';
import type { Accumulator, AccumulatorJSON, AccumulatorRestoreOptions, NumericBackend, Tensor } from '@vit/io';
import { FeatureCollector } from './FeatureCollector.js';
import type { FeatureCollectorOptions, FeatureInput, FeatureTokens } from './FeatureCollector.js';
import { ari } from './ari.js';
import { kmeans } from './kmeans.js';
import { nmi } from './nmi.js';
import { purity } from './purity.js';

export interface ClusteringAccumulatorOptions extends FeatureCollectorOptions {
  /** Number of clusters. @default the number of distinct labels seen (SPEC 10: 50 on ImageNet-50) */
  k?: number;
  /** k-means restarts per layer; the lowest inertia wins. @default 10 */
  nInit?: number;
  /** Lloyd iterations per restart. @default 300 */
  maxIter?: number;
  /** k-means convergence tolerance (see `kmeans`). @default 1e-4 */
  tol?: number;
  /** Seed of the k-means initialisation (the same for every layer). @default 0 */
  seed?: number;
  /** Where the k-means products run (not serialised). @default the default backend of `resolveBackend` */
  backend?: NumericBackend;
}

/** Per-layer clustering scores as tensors, layer `layers[i]` at index `i`. */
export interface ClusteringResult {
  /** The 1-based layers. */
  layers: number[];
  /** `[L]` purity of the k-means clusters against the labels. */
  purity: Tensor;
  /** `[L]` normalised mutual information (arithmetic mean normalisation). */
  nmi: Tensor;
  /** `[L]` adjusted Rand index. */
  ari: Tensor;
  /** `[L]` k-means inertia of the winning run. */
  inertia: Tensor;
  /** The `k` used. */
  k: number;
  /** Rows clustered (images, tokens or masks, by `tokens`). */
  rows: number;
  /** The distinct labels, in order of first appearance. */
  classes: (string | number)[];
  tokens: FeatureTokens;
}

type Stored = Omit<ClusteringAccumulatorOptions, 'backend'>;

/**
 * Clustering over a dataset (SPEC 10, 11) as an accumulator: `update` collects per-layer rows
 * of every batch (CLS, mean, spatial tokens, or mask-pooled objects / parts with
 * `tokens: 'masks'`, see {@link FeatureCollector}); `result()` runs {@link kmeans} on every
 * layer and scores the clusters against the labels with {@link purity}, {@link nmi} and
 * {@link ari}. `result()` is asynchronous (k-means runs on the numeric backend) and pure:
 * the same state and seed give the same numbers. k-means sees the rows sorted by content, so
 * the result does not depend on the order in which images (or merged shards) arrived.
 *
 * @example
 * const acc = new ClusteringAccumulator({ tokens: 'cls', k: 50 });
 * for await (const cap of session.stream(images)) acc.update(cap);
 * const { layers, nmi } = await acc.result(); // nmi: [L] tensor
 */
export class ClusteringAccumulator implements Accumulator<FeatureInput, Promise<ClusteringResult>> {
  readonly options: Stored;
  private readonly backend: NumericBackend | undefined;
  private readonly collector: FeatureCollector;

  /**
   * Stores the options only.
   * @throws VitValueError on an unknown `tokens` mode, a negative prefix or a `k` below 1.
   */
  constructor(options: ClusteringAccumulatorOptions = {}) {
    const { backend, ...rest } = options;
    if (rest.k !== undefined && !(Number.isInteger(rest.k) && rest.k >= 1)) {
      throw new VitValueError(`\`k\` of ClusteringAccumulator must be a positive integer. Got ${rest.k}.`);
    }
    this.collector = new FeatureCollector(rest);
    this.options = { ...rest, tokens: this.collector.options.tokens, tap: this.collector.options.tap };
    this.backend = backend;
  }

  /** Images seen. */
  get seen(): number {
    return this.collector.seen;
  }

  /**
   * Add a batch (a Capture or its subset, as {@link FeatureCollector.update}).
   * @returns this
   */
  update(input: FeatureInput): this {
    this.collector.update(input);
    return this;
  }

  /** Append another shard's rows. @returns this @throws VitValueError when options or shapes differ. */
  merge(other: ClusteringAccumulator): this {
    if (!(other instanceof ClusteringAccumulator) || JSON.stringify(other.options) !== JSON.stringify(this.options)) {
      throw new VitValueError(`\`other\` of ClusteringAccumulator.merge must be a ClusteringAccumulator with the same options ${JSON.stringify(this.options)}.`);
    }
    this.collector.merge(other.collector);
    return this;
  }

  /**
   * k-means on every layer and the three scores.
   * @throws VitValueError (`VIT_EMPTY`) before any update; as {@link kmeans} (e.g. `k` larger than the rows).
   */
  async result(): Promise<ClusteringResult> {
    if (this.collector.rows === 0) throw new VitValueError('ClusteringAccumulator.result: no rows yet; call update() first.', { code: 'VIT_EMPTY' });
    const { layers, features, labels, classes } = this.collector.result();
    const backend = await resolveBackend(this.backend);
    const k = this.options.k ?? classes.length;
    const L = layers.length;
    const out = { purity: new Float32Array(L), nmi: new Float32Array(L), ari: new Float32Array(L), inertia: new Float32Array(L) };
    for (let l = 0; l < L; l++) {
      // Rows in a canonical (content) order, so that shards merged in any order cluster alike.
      const { X, truth } = canonicalOrder(features[l], labels);
      const r = await kmeans(X, { k, nInit: this.options.nInit, maxIter: this.options.maxIter, tol: this.options.tol, seed: this.options.seed, backend });
      out.purity[l] = purity(truth, r.labels);
      out.nmi[l] = nmi(truth, r.labels);
      out.ari[l] = ari(truth, r.labels);
      out.inertia[l] = r.inertia;
    }
    return {
      layers,
      purity: tensor(out.purity, [L]),
      nmi: tensor(out.nmi, [L]),
      ari: tensor(out.ari, [L]),
      inertia: tensor(out.inertia, [L]),
      k,
      rows: labels.length,
      classes,
      tokens: this.options.tokens!,
    };
  }

  /** Forget every row (options are kept). @returns this */
  reset(): this {
    this.collector.reset();
    return this;
  }

  /** `{ kind, version, options, state, seen }`; the state is the collector's (exact float32 rows). */
  toJSON(): AccumulatorJSON<Stored, AccumulatorJSON> {
    return { kind: 'Clustering', version: 1, options: { ...this.options }, state: this.collector.toJSON() as AccumulatorJSON, seen: this.seen };
  }

  /**
   * Restore from {@link toJSON} output.
   * @param options `backend` for the k-means of `result()` (not serialised).
   * @throws VitValueError on another kind or version.
   */
  static fromJSON(json: unknown, options: AccumulatorRestoreOptions = {}): ClusteringAccumulator {
    const j = json as AccumulatorJSON<Stored, AccumulatorJSON>;
    if (!j || j.kind !== 'Clustering' || j.version !== 1) {
      throw new VitValueError(`\`json\` of ClusteringAccumulator.fromJSON must be a Clustering state of version 1. Got kind ${JSON.stringify(j?.kind)}, version ${JSON.stringify(j?.version)}.`);
    }
    const acc = new ClusteringAccumulator({ ...j.options, backend: options.backend });
    (acc as unknown as { collector: FeatureCollector }).collector = FeatureCollector.fromJSON(j.state);
    return acc;
  }
}

/** The rows of `x [n,d]` sorted lexicographically by value (ties by index), with their labels. */
function canonicalOrder(x: Tensor, labels: Int32Array): { X: Tensor; truth: Int32Array } {
  const [n, d] = x.shape;
  const data = x.data;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => {
    const oa = a * d;
    const ob = b * d;
    for (let j = 0; j < d; j++) {
      const diff = data[oa + j] - data[ob + j];
      if (diff !== 0) return diff;
    }
    return a - b;
  });
  const out = new Float32Array(n * d);
  const truth = new Int32Array(n);
  order.forEach((src, i) => {
    out.set(data.subarray(src * d, (src + 1) * d), i * d);
    truth[i] = labels[src];
  });
  return { X: tensor(out, [n, d]), truth };
}
