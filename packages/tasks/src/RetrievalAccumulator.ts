import { VitValueError, tensor } from '@vit/io';
import type { AccumulatorJSON, AccumulatorRestoreOptions, LayerSelection, Matrix, NumericBackend, Tensor, TypedArray } from '@vit/io';
import { backendOf } from './internal/backend.js';
import { validateGnd } from './internal/gnd.js';
import { readFeatures, rowTokens } from './internal/input.js';
import type { FeatureInput, RowTokens } from './internal/input.js';
import { checkEnvelope, fromBase64, toBase64 } from './internal/json.js';
import { layersJSON, perLayerList } from './internal/layers.js';
import { PROTOCOLS, precisionKs, scoreRetrieval } from './internal/retrieval.js';
import { normalizeRows, normalizedMatrix } from './internal/rows.js';
import type { RetrievalGroundTruth } from './retrievalMAP.js';

export interface RetrievalAccumulatorOptions {
  /** The `k` of the mean precisions `mP` (P@k). @default [1, 5, 10] */
  k?: number | readonly number[];
  /** Which layers of each update are used (`LayerSelection`). @default null (every layer) */
  layers?: LayerSelection;
  /** How a `[B,T,D]` tap becomes one row per image (`'cls'` or `'mean'` of the patch tokens). @default 'cls' */
  tokens?: 'cls' | 'mean';
  /** Where the query × database products run. @default resolveBackend() of `@vit/io` */
  backend?: NumericBackend;
}

/** Scores of one protocol for every selected layer. */
export interface RetrievalProtocolScores {
  /** Mean AP per layer `[L]` (NaN when every query was skipped). */
  mAP: Tensor<Float64Array>;
  /** Mean precision at each `k`, `[L, nk]`. */
  mP: Tensor<Float64Array>;
  /** AP of every query `[L, nq]`; NaN for skipped queries. */
  aps: Tensor<Float64Array>;
  /** Queries without positives under this protocol (the same for every layer). */
  skipped: number;
}

/** Revisited Oxford/Paris scores of every selected layer (SPEC 15). */
export interface RetrievalAccumulatorResult {
  /** 1-based layer numbers, one per row. */
  layers: number[];
  /** The P@k counts, one per column of `mP`. */
  k: number[];
  easy: RetrievalProtocolScores;
  medium: RetrievalProtocolScores;
  hard: RetrievalProtocolScores;
}

interface Stored {
  k: number[];
  layers: null | number | number[];
  tokens: RowTokens;
}

const KIND = 'RetrievalAccumulator';
const VERSION = 1;

/**
 * Revisited Oxford/Paris retrieval (SPEC 15) as an accumulator over the database: the query
 * features and ground truth are held; database images arrive with `update` (a Capture's block
 * taps, or `{ features, indices? }`), each placed at its database index (`meta.indices` /
 * `indices`, else the arrival order). Per selected layer, queries and database rows are
 * L2-normalised and their cosine similarities `[nq, B]` computed through the backend and kept
 * (`nq × ndb` floats per layer, never the database features). `result()` ranks and scores
 * every layer with the rules of {@link retrievalMAP}.
 *
 * @example
 * const acc = new RetrievalAccumulator(queryFeatures, gnd, { layers: [-1] }); // queries: [nq,D] per layer
 * for await (const capture of databaseCaptures) await acc.update(capture);
 * const { medium, hard } = acc.result(); // medium.mAP: [L]
 */
export class RetrievalAccumulator {
  /** The resolved options (JSON-safe; the backend is kept apart). */
  readonly options: Readonly<Stored>;
  /** Number of queries. */
  readonly nq: number;
  private queries: Matrix[];
  private readonly gnd: RetrievalGroundTruth[];
  private readonly backendOption?: NumericBackend;
  private backend: Promise<NumericBackend> | null = null;
  private layerNumbers: number[] | null = null;
  private queryPos: number[] | null = null;
  /** Database index of every row seen, in arrival order. */
  private index: number[] = [];
  /** Per layer, `nq` similarities per database row seen (arrival order). */
  private sims: Float32Array[] = [];
  private used = 0;
  private explicit = false;

  /**
   * @param queries Query features: one `[nq,d]` tensor, or one per selected layer, or one per layer of the updates.
   * @param gnd Ground truth of every query `[nq]` (0-based database indices; checked against the database size at `result()`).
   * @param options See {@link RetrievalAccumulatorOptions}.
   * @throws VitValueError on empty or non-finite queries, a `gnd` of another length (`VIT_SHAPE`) or bad options.
   */
  constructor(queries: Tensor<TypedArray> | readonly Tensor<TypedArray>[], gnd: readonly RetrievalGroundTruth[], options: RetrievalAccumulatorOptions = {}) {
    const fn = KIND;
    const list = Array.isArray(queries) ? queries : [queries as Tensor<TypedArray>];
    perLayerList(list, 'queries', fn);
    this.queries = list.map((t, i) => normalizedMatrix(t, list.length === 1 ? 'queries' : `queries[${i}]`, fn).m);
    this.nq = this.queries[0].shape[0];
    this.queries.forEach((t, i) => {
      if (t.shape[0] !== this.nq) throw new VitValueError(`\`queries[${i}]\` of ${fn} must have ${this.nq} rows like queries[0]. Got ${t.shape[0]}.`, { code: 'VIT_SHAPE' });
    });
    this.gnd = validateGnd(gnd, this.nq, null, fn);
    this.options = { k: precisionKs(options.k, fn), layers: layersJSON(options.layers), tokens: rowTokens(options.tokens, fn) };
    this.backendOption = options.backend;
  }

  /** Database images added so far. */
  get seen(): number {
    return this.index.length;
  }

  /**
   * Add database images: a Capture (block taps; positions from `meta.indices`) or
   * `{ features: Tensor[] ([B,D] or [B,T,D] per layer), indices?: [B] }`.
   * @returns a promise of this.
   * @throws VitValueError (the promise rejects) on another width or layer set than the first update (`VIT_SHAPE`), an index given twice, or non-finite features (`VIT_NON_FINITE`).
   */
  async update(input: FeatureInput): Promise<this> {
    const fn = `${KIND}.update`;
    const p = readFeatures(input, this.options.layers, this.options.tokens, fn);
    const pos = this.bindLayers(p.layers, p.positions, p.count, fn);
    const rows = p.rows.map((r, l) => {
      const d = this.queries[pos[l]].shape[1];
      if (p.dims[l] !== d) throw new VitValueError(`The features of layer ${p.layers[l]} given to ${fn} must be ${d} wide like the queries. Got ${p.dims[l]}.`, { code: 'VIT_SHAPE' });
      return normalizeRows(r, p.B, d, 'input features', fn);
    });
    const idx: number[] = [];
    if (p.indices !== undefined) {
      if (p.indices.length !== p.B) throw new VitValueError(`\`indices\` of ${fn} must have one database index per image (${p.B}). Got ${p.indices.length}.`, { code: 'VIT_SHAPE' });
      for (let i = 0; i < p.B; i++) {
        const v = p.indices[i];
        if (!Number.isInteger(v) || v < 0) throw new VitValueError(`\`indices[${i}]\` of ${fn} must be a database index ≥ 0. Got ${v}.`);
        idx.push(v);
      }
      this.explicit = true;
    } else {
      for (let i = 0; i < p.B; i++) idx.push(this.index.length + i);
    }
    this.backend ??= backendOf(this.backendOption);
    const backend = await this.backend;
    const nq = this.nq;
    const blocks: Float32Array[] = [];
    for (let l = 0; l < rows.length; l++) {
      const q = this.queries[pos[l]];
      const d = q.shape[1];
      // [B, nq]: one row of similarities per database image, appended as it comes.
      blocks.push((await backend.matmul(tensor(rows[l], [p.B, d]), q, { transB: true })).data);
    }
    if (this.sims.length === 0) this.sims = rows.map(() => new Float32Array(Math.max(16, p.B) * nq));
    const need = (this.used + p.B) * nq;
    for (let l = 0; l < rows.length; l++) {
      if (this.sims[l].length < need) {
        const grown = new Float32Array(Math.max(need, 2 * this.sims[l].length));
        grown.set(this.sims[l].subarray(0, this.used * nq));
        this.sims[l] = grown;
      }
      this.sims[l].set(blocks[l].subarray(0, p.B * nq), this.used * nq);
    }
    this.index.push(...idx);
    this.used += p.B;
    return this;
  }

  /**
   * Add another accumulator's database images (same queries, ground truth and options).
   * Without explicit indices, its images are placed after this one's.
   * @returns this
   * @throws VitValueError when queries, options or layers differ.
   */
  merge(other: RetrievalAccumulator): this {
    const fn = `${KIND}.merge`;
    const same =
      other instanceof RetrievalAccumulator &&
      other.nq === this.nq &&
      JSON.stringify(other.options) === JSON.stringify(this.options) &&
      JSON.stringify(other.gnd) === JSON.stringify(this.gnd) &&
      other.queries.length === this.queries.length &&
      other.queries.every((t, i) => t.shape[1] === this.queries[i].shape[1] && t.data.every((v, j) => v === this.queries[i].data[j]));
    if (!same) throw new VitValueError(`\`other\` of ${fn} must hold the same queries, ground truth and options.`);
    if (other.used === 0) return this;
    if (this.layerNumbers === null) {
      this.layerNumbers = [...other.layerNumbers!];
      this.queryPos = [...other.queryPos!];
    } else if (JSON.stringify(this.layerNumbers) !== JSON.stringify(other.layerNumbers) || JSON.stringify(this.queryPos) !== JSON.stringify(other.queryPos)) {
      throw new VitValueError(`\`other\` of ${fn} must hold the same layers (${this.layerNumbers.join(', ')}). Got ${other.layerNumbers!.join(', ')}.`, { code: 'VIT_SHAPE' });
    }
    const nq = this.nq;
    const offset = this.explicit || other.explicit ? 0 : this.used;
    this.sims = other.sims.map((s, l) => {
      const out = new Float32Array((this.used + other.used) * nq);
      if (this.sims[l]) out.set(this.sims[l].subarray(0, this.used * nq));
      out.set(s.subarray(0, other.used * nq), this.used * nq);
      return out;
    });
    this.index.push(...other.index.map((i) => i + offset));
    this.used += other.used;
    this.explicit ||= other.explicit;
    return this;
  }

  /** Forget every database image (queries, ground truth and options stay). @returns this */
  reset(): this {
    this.index = [];
    this.sims = [];
    this.used = 0;
    this.explicit = false;
    this.layerNumbers = null;
    this.queryPos = null;
    return this;
  }

  /**
   * Rank the database for every query and layer and score the three protocols (pure).
   * @throws VitValueError before any update (`VIT_EMPTY`), when a database index is missing or given twice, or `gnd` names an index beyond the database.
   */
  result(): RetrievalAccumulatorResult {
    const fn = `${KIND}.result`;
    if (this.used === 0 || this.layerNumbers === null) throw new VitValueError(`${fn}: no database images yet; call update() first.`, { code: 'VIT_EMPTY' });
    const ndb = Math.max(...this.index) + 1;
    const at = new Int32Array(ndb).fill(-1);
    this.index.forEach((d, r) => {
      if (at[d] >= 0) throw new VitValueError(`${fn}: database image ${d} was given twice. Give every database index once (meta.indices of the captures).`);
      at[d] = r;
    });
    const missing = at.indexOf(-1);
    if (missing >= 0) {
      throw new VitValueError(`${fn}: database image ${missing} is missing (${ndb - this.used} of 0…${ndb - 1} not seen). Update with every database image first.`, { code: 'VIT_EMPTY' });
    }
    validateGnd(this.gnd, this.nq, ndb, fn);
    const L = this.layerNumbers.length;
    const nq = this.nq;
    const ks = this.options.k;
    const out = Object.fromEntries(
      PROTOCOLS.map((p) => [p, { mAP: new Float64Array(L), mP: new Float64Array(L * ks.length), aps: new Float64Array(L * nq), skipped: 0 }]),
    ) as Record<(typeof PROTOCOLS)[number], { mAP: Float64Array; mP: Float64Array; aps: Float64Array; skipped: number }>;
    const sim = new Float32Array(nq * ndb);
    for (let l = 0; l < L; l++) {
      const s = this.sims[l];
      for (let d = 0; d < ndb; d++) {
        const r = at[d] * nq;
        for (let q = 0; q < nq; q++) sim[q * ndb + d] = s[r + q];
      }
      const sc = scoreRetrieval(this.gnd, sim, nq, ndb, ks, fn);
      for (const p of PROTOCOLS) {
        out[p].mAP[l] = sc[p].mAP;
        out[p].mP.set(sc[p].mP, l * ks.length);
        out[p].aps.set(sc[p].aps, l * nq);
        out[p].skipped = sc[p].skipped;
      }
    }
    const wrap = (p: (typeof PROTOCOLS)[number]): RetrievalProtocolScores => ({
      mAP: tensor(out[p].mAP, [L]),
      mP: tensor(out[p].mP, [L, ks.length]),
      aps: tensor(out[p].aps, [L, nq]),
      skipped: out[p].skipped,
    });
    return { layers: [...this.layerNumbers], k: [...ks], easy: wrap('easy'), medium: wrap('medium'), hard: wrap('hard') };
  }

  /** The state as JSON (queries and similarities as base64 of their float32 bytes: exact). */
  toJSON(): AccumulatorJSON<Stored, Record<string, unknown>> {
    const nq = this.nq;
    return {
      kind: KIND,
      version: VERSION,
      options: { ...this.options, k: [...this.options.k] },
      state: {
        nq,
        widths: this.queries.map((t) => t.shape[1]),
        queries: this.queries.map((t) => toBase64(t.data)),
        gnd: this.gnd,
        layers: this.layerNumbers,
        queryPos: this.queryPos,
        index: this.index,
        explicit: this.explicit,
        sims: this.sims.map((s) => toBase64(s.subarray(0, this.used * nq))),
      },
      seen: this.used,
    };
  }

  /**
   * Restore an accumulator from {@link toJSON} output.
   * @param options `backend` for later updates. @default the default backend
   * @throws VitValueError when `json` is not a RetrievalAccumulator state of this version.
   */
  static fromJSON(json: unknown, options: AccumulatorRestoreOptions = {}): RetrievalAccumulator {
    const fn = `${KIND}.fromJSON`;
    const j = checkEnvelope(json, KIND, VERSION, fn);
    const o = j.options as unknown as Stored;
    const s = j.state as Record<string, unknown>;
    const nq = s.nq as number;
    const queries = (s.widths as number[]).map((d, i) => tensor(fromBase64((s.queries as string[])[i], Float32Array, nq * d, `state.queries[${i}]`, fn), [nq, d]));
    const acc = new RetrievalAccumulator(queries, s.gnd as RetrievalGroundTruth[], { k: o.k, layers: o.layers, tokens: o.tokens, backend: options.backend });
    acc.queries = queries;
    acc.layerNumbers = (s.layers as number[] | null) ?? null;
    acc.queryPos = (s.queryPos as number[] | null) ?? null;
    acc.index = [...(s.index as number[])];
    acc.explicit = s.explicit === true;
    acc.used = j.seen;
    acc.sims = (s.sims as string[]).map((x, l) => fromBase64(x, Float32Array, j.seen * nq, `state.sims[${l}]`, fn));
    return acc;
  }

  private bindLayers(layers: number[], positions: number[], inputCount: number, fn: string): number[] {
    if (this.layerNumbers !== null) {
      if (JSON.stringify(layers) !== JSON.stringify(this.layerNumbers)) {
        throw new VitValueError(`The layers of ${fn} must stay those of the first update (${this.layerNumbers.join(', ')}). Got ${layers.join(', ')}.`, { code: 'VIT_SHAPE_CHANGE' });
      }
      return this.queryPos!;
    }
    let pos: number[];
    if (this.queries.length === layers.length) pos = layers.map((_, i) => i);
    else if (this.queries.length === inputCount) pos = [...positions];
    else {
      throw new VitValueError(`\`queries\` of ${KIND} must hold one tensor per selected layer (${layers.length}) or one per layer of the updates. Got ${this.queries.length}.`, {
        code: 'VIT_SHAPE',
      });
    }
    this.layerNumbers = [...layers];
    this.queryPos = pos;
    return pos;
  }
}
