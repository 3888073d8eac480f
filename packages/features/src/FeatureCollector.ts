import { VitValueError, shapeText, tensor } from '@vit/io';
import type { Accumulator, AccumulatorJSON, Tensor } from '@vit/io';
import type { Data } from 'ndarray';
import { dense2D } from './internal/dense.js';
import { contiguous3D } from './internal/tokens.js';

/** One batch for {@link FeatureCollector}: per-layer features of `B` images and their labels. */
export interface FeatureBatch {
  /** Per layer `[B,T,D]` block outputs (`cls`/`mean` modes) or `[B,D]` rows (`pooled` mode). */
  feats: Tensor[];
  /** `[B]` ground-truth labels of the images (or masks). */
  labels: Int32Array | readonly number[];
}

export interface FeatureCollectorOptions {
  /**
   * The feature kept per image and layer: `cls` (token 0), `mean` (mean of the spatial tokens
   * after the prefix), or `pooled` (rows already pooled, e.g. by {@link maskFeatures}: `[B,D]`).
   * @default 'cls'
   */
  tokens?: 'cls' | 'mean' | 'pooled';
  /** Prefix tokens before the spatial ones. @default 1 */
  prefix?: number;
}

export interface CollectedFeatures {
  /** Per layer `[N,D]` in the order seen (merged shards: this shard first). */
  features: Tensor[];
  /** `[N]` labels. */
  labels: Int32Array;
}

type Stored = Required<FeatureCollectorOptions>;

interface State {
  dims: number[];
  /** Base64 of each layer's float32 rows (little-endian). */
  layers: string[];
  labels: number[];
}

/**
 * Collects per-layer CLS or mean-spatial features (SPEC 10) of a dataset for clustering, in
 * bounded memory: `N×D` floats per layer, never `N×T×D`. Mergeable and serialisable like every
 * accumulator.
 *
 * @example
 * const col = new FeatureCollector({ tokens: 'cls' });
 * for (const cap of captures) col.update({ feats: cap.taps.block, labels: cap.meta.labels });
 * const { features, labels } = col.result();
 * const { labels: pred } = await kmeans(features[11], { k: 50 });
 * nmi(labels, pred);
 */
export class FeatureCollector implements Accumulator<FeatureBatch, CollectedFeatures> {
  readonly options: Stored;
  private bufs: Float32Array[] = [];
  private dims: number[] = [];
  private lab = new Int32Array(0);
  private n = 0;

  /** @throws VitValueError on an unknown token mode or negative prefix. */
  constructor(options: FeatureCollectorOptions = {}) {
    const tokens = options.tokens ?? 'cls';
    if (tokens !== 'cls' && tokens !== 'mean' && tokens !== 'pooled') {
      throw new VitValueError(`\`tokens\` of FeatureCollector must be 'cls', 'mean' or 'pooled'. Got ${JSON.stringify(tokens)}.`);
    }
    const prefix = options.prefix ?? 1;
    if (!Number.isInteger(prefix) || prefix < 0) throw new VitValueError(`\`prefix\` of FeatureCollector must be an integer ≥ 0. Got ${prefix}.`);
    this.options = { tokens, prefix };
  }

  /** Rows (images or masks) collected. */
  get seen(): number {
    return this.n;
  }

  /**
   * Add a batch.
   * @returns this
   * @throws VitValueError on bad shapes, NaN/Inf (naming layer and image), labels of a
   * different length than the batch, or a layer count / width change.
   */
  update(batch: FeatureBatch): this {
    const fn = 'FeatureCollector.update';
    if (!batch || !Array.isArray(batch.feats) || batch.feats.length === 0) {
      throw new VitValueError(`\`batch.feats\` of ${fn} must be a non-empty array of per-layer tensors.`);
    }
    const { tokens, prefix } = this.options;
    const rows: { d: Float32Array; D: number }[] = batch.feats.map((t, l) => extract(t as Tensor<Data>, tokens, prefix, l, fn));
    const B = (batch.feats[0] as Tensor<Data>).shape[0];
    batch.feats.forEach((t, l) => {
      if ((t as Tensor<Data>).shape[0] !== B) {
        throw new VitValueError(`\`batch.feats[${l}]\` (layer ${l + 1}) of ${fn} has ${(t as Tensor<Data>).shape[0]} images; layer 1 has ${B}.`, { code: 'VIT_SAMPLE_MISMATCH' });
      }
    });
    const labels = batch.labels;
    if (!labels || labels.length !== B || !Array.from(labels).every((v) => Number.isInteger(v))) {
      throw new VitValueError(`\`batch.labels\` of ${fn} must hold ${B} integer labels (one per image). Got ${labels ? `length ${labels.length}` : typeof labels}.`, {
        code: 'VIT_LENGTH_MISMATCH',
      });
    }
    const dims = rows.map((r) => r.D);
    if (this.n > 0 && JSON.stringify(dims) !== JSON.stringify(this.dims)) {
      throw new VitValueError(`\`batch.feats\` of ${fn} changed shape since the first update: per-layer widths were ${JSON.stringify(this.dims)}, now ${JSON.stringify(dims)}.`, {
        code: 'VIT_SHAPE_CHANGE',
      });
    }
    if (this.n === 0) this.dims = dims;
    this.append(rows.map((r) => r.d), Int32Array.from(labels), B);
    return this;
  }

  private append(layerRows: Float32Array[], labels: Int32Array, B: number): void {
    const need = this.n + B;
    if (this.lab.length < need) {
      const cap = Math.max(need, 2 * this.lab.length, 64);
      const nl = new Int32Array(cap);
      nl.set(this.lab.subarray(0, this.n));
      this.lab = nl;
      this.bufs = this.dims.map((D, l) => {
        const nb = new Float32Array(cap * D);
        if (this.bufs[l]) nb.set(this.bufs[l].subarray(0, this.n * D));
        return nb;
      });
    }
    this.dims.forEach((D, l) => this.bufs[l].set(layerRows[l], this.n * D));
    this.lab.set(labels, this.n);
    this.n = need;
  }

  /**
   * Append another collector's rows after this one's.
   * @throws VitValueError when options or layer widths differ.
   */
  merge(other: FeatureCollector): this {
    if (JSON.stringify(other.options) !== JSON.stringify(this.options)) {
      throw new VitValueError(`\`other\` of FeatureCollector.merge must have the same options. Got ${JSON.stringify(other.options)} vs ${JSON.stringify(this.options)}.`);
    }
    if (other.n === 0) return this;
    if (this.n > 0 && JSON.stringify(other.dims) !== JSON.stringify(this.dims)) {
      throw new VitValueError(`\`other\` of FeatureCollector.merge has per-layer widths ${JSON.stringify(other.dims)}, this has ${JSON.stringify(this.dims)}.`);
    }
    if (this.n === 0) this.dims = other.dims.slice();
    this.append(other.dims.map((D, l) => other.bufs[l].subarray(0, other.n * D)), other.lab.subarray(0, other.n), other.n);
    return this;
  }

  /**
   * The collected features (copies).
   * @throws VitValueError before any update.
   */
  result(): CollectedFeatures {
    if (this.n === 0) throw new VitValueError('FeatureCollector.result: no data yet; call update() first.', { code: 'VIT_EMPTY' });
    return {
      features: this.dims.map((D, l) => tensor(this.bufs[l].slice(0, this.n * D), [this.n, D])),
      labels: this.lab.slice(0, this.n),
    };
  }

  /** Forget everything. @returns this */
  reset(): this {
    this.bufs = [];
    this.dims = [];
    this.lab = new Int32Array(0);
    this.n = 0;
    return this;
  }

  /** State with each layer's float32 rows as base64 (exact). */
  toJSON(): AccumulatorJSON<Stored, State> {
    const b64 = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
    return {
      kind: 'FeatureCollector',
      version: 1,
      options: { ...this.options },
      state: {
        dims: this.dims.slice(),
        layers: this.dims.map((D, l) => b64(this.bufs[l].subarray(0, this.n * D))),
        labels: Array.from(this.lab.subarray(0, this.n)),
      },
      seen: this.n,
    };
  }

  /**
   * Restore from {@link toJSON} output.
   * @throws VitValueError on another kind, an unknown version or inconsistent sizes.
   */
  static fromJSON(json: unknown): FeatureCollector {
    const j = json as AccumulatorJSON<Stored, State>;
    if (!j || j.kind !== 'FeatureCollector' || j.version !== 1) {
      throw new VitValueError(`\`json\` of FeatureCollector.fromJSON must be a FeatureCollector state of version 1. Got kind ${JSON.stringify(j?.kind)}, version ${JSON.stringify(j?.version)}.`);
    }
    const acc = new FeatureCollector(j.options);
    if (j.seen > 0) {
      const n = j.seen;
      acc.dims = j.state.dims.slice();
      const rows = j.state.layers.map((s, l) => {
        const bytes = Buffer.from(s, 'base64');
        if (bytes.byteLength !== n * acc.dims[l] * 4) throw new VitValueError(`FeatureCollector.fromJSON: layer ${l + 1} holds ${bytes.byteLength} bytes, expected ${n * acc.dims[l] * 4}.`);
        const f = new Float32Array(n * acc.dims[l]);
        new Uint8Array(f.buffer).set(bytes);
        return f;
      });
      acc.append(rows, Int32Array.from(j.state.labels), n);
    }
    return acc;
  }
}

function extract(t: Tensor<Data>, tokens: Stored['tokens'], prefix: number, l: number, fn: string): { d: Float32Array; D: number } {
  const label = `\`batch.feats[${l}]\` (layer ${l + 1}) of ${fn}`;
  if (!t || typeof t !== 'object' || !Array.isArray(t.shape) || t.data === undefined) throw new VitValueError(`${label} must be an ndarray tensor. Got ${typeof t}.`);
  const want = tokens === 'pooled' ? 2 : 3;
  if (t.shape.length !== want) throw new VitValueError(`${label} must have shape ${want === 2 ? '[B,D]' : '[B,T,D]'} in '${tokens}' mode. Got ${shapeText(t.shape)}.`);
  const [B, T, D] = want === 2 ? [t.shape[0], 1, t.shape[1]] : t.shape;
  const d = want === 2 ? dense2D(t, `batch.feats[${l}]`, fn, { finite: false }).d : contiguous3D(t);
  if (tokens === 'mean' && T - prefix < 1) throw new VitValueError(`${label} has no spatial tokens after prefix ${prefix}: shape ${shapeText(t.shape)}.`);
  if (tokens === 'cls' && (prefix < 1 || T < 1)) throw new VitValueError(`${label} has no CLS token (prefix = ${prefix}).`);
  const out = new Float32Array(B * D);
  if (tokens === 'mean') {
    const acc = new Float64Array(D);
    for (let b = 0; b < B; b++) {
      acc.fill(0);
      for (let k = prefix; k < T; k++) for (let j = 0; j < D; j++) acc[j] += d[(b * T + k) * D + j];
      for (let j = 0; j < D; j++) out[b * D + j] = acc[j] / (T - prefix);
    }
  } else {
    for (let b = 0; b < B; b++) out.set(d.subarray(b * T * D, b * T * D + D), b * D);
  }
  for (let i = 0; i < out.length; i++) {
    if (out[i] - out[i] !== 0) throw new VitValueError(`${label} must be finite. Got ${out[i]} in image ${Math.floor(i / D)} (0-based) of the batch.`, { code: 'VIT_NON_FINITE' });
  }
  return { d: out, D };
}

