import { z } from 'zod';
import { VitValueError, tensor, type AccumulatorJSON, type Tensor } from '@vit/io';
import { MinibatchCKA } from '@vit/features';
import type { Capture } from '@vit/runtime';
import type { FeatureResults } from '@vit/report';
import type { AnalysisState, FinishedModel, ModelFragment, OpenModel, PassContext, StudyAnalysis, StudyFragment, StudyItem, TapNeeds } from '../types.js';
import type { AnalysisConfig } from './configs.js';
import { analysisBase } from './common.js';
import { analysisLayers } from './internal/analysisLayers.js';
import { itemPositions } from './internal/itemPositions.js';
import { tapLayers } from './internal/tapLayers.js';

/** The `cka` entry of a study config's `analyses`: linear CKA within a model, of its residual adds, and across models (SPEC 8). */
export const ckaConfig = analysisBase.extend({
  type: z.literal('cka'),
  /** Which tokens of a block output make an image's feature row: `cls`, `mean` (of the patch tokens), `spatial` (flattened patch tokens), `all`. */
  tokens: z.enum(['cls', 'mean', 'spatial', 'all']).default('cls'),
  /** Images per minibatch of minibatch CKA (the paper's 8); the study's `batchSize` should be a multiple of it. */
  minibatch: z.number().int().min(4).default(8),
  /** Images (the first N of the dataset) whose features are kept for CKA across models; 0 = no across-model CKA. */
  images: z.number().int().min(0).default(256),
  /** Residual CKA: skip input vs branch output of every attention and MLP residual add. */
  residual: z.boolean().default(true),
  /** Pairs of models whose layer × layer CKA is reported: `all`, `none`, or a list of `[a, b]` model names (the last-layer matrix always covers every model). */
  pairs: z.union([z.enum(['all', 'none']), z.array(z.tuple([z.string().min(1), z.string().min(1)])).nonempty()]).default('all'),
  /** Rescale each minibatch kernel to [0,1] first, as the paper's public code did (SPEC 8 `reference`). */
  reference: z.boolean().default(false),
});
export type CkaConfig = z.infer<typeof ckaConfig>;

const KIND = 'study-cka';
type Mode = CkaConfig['tokens'];

interface StateJSON {
  kind: typeof KIND;
  version: 1;
  layers: number[];
  /** Length of one kept feature row. */
  len: number;
  within: AccumulatorJSON<unknown, unknown>;
  residual: { attention: AccumulatorJSON<unknown, unknown>; mlp: AccumulatorJSON<unknown, unknown> } | null;
  /** Per selected layer `[images, len]` float32, row = position in the dataset. */
  rows: Float32Array[];
  /** Per kept position: 1 once its row is filled. */
  filled: Uint8Array;
}

const settings = (config: AnalysisConfig | CkaConfig): CkaConfig => ckaConfig.parse(config);

function rowLength(model: OpenModel, mode: Mode): number {
  const N = model.grid[0] * model.grid[1];
  if (mode === 'cls' || mode === 'mean') return model.dim;
  return (mode === 'spatial' ? N : model.prefix + N) * model.dim;
}

/** Writes image `b`'s feature row of a `[B,T,D]` tap into `out[o …]`, as `MinibatchCKA`'s token modes define it. */
function writeRow(t: Tensor<Float32Array>, b: number, mode: Mode, prefix: number, out: Float32Array, o: number): void {
  const [, T, D] = t.shape;
  const d = t.data;
  const base = b * T * D;
  if (mode === 'all') out.set(d.subarray(base, base + T * D), o);
  else if (mode === 'cls') out.set(d.subarray(base, base + D), o);
  else if (mode === 'spatial') out.set(d.subarray(base + prefix * D, base + T * D), o);
  else {
    const acc = new Float64Array(D);
    for (let k = prefix; k < T; k++) for (let j = 0; j < D; j++) acc[j] += d[base + k * D + j];
    for (let j = 0; j < D; j++) out[o + j] = acc[j] / (T - prefix);
  }
}

function diagonal(m: Tensor): Tensor {
  const [a, b] = m.shape;
  const n = Math.min(a, b);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Number((m.data as ArrayLike<number>)[m.offset + i * m.stride[0] + i * m.stride[1]]);
  return tensor(out, [n]);
}

/** A `[La',Lb']` matrix over selected layers laid out over `[La,Lb]`, NaN where a layer was not analysed. */
function expandMatrix(m: Tensor, la: readonly number[], La: number, lb: readonly number[], Lb: number): Tensor {
  if (la.length === La && lb.length === Lb) return m;
  const out = new Float32Array(La * Lb).fill(NaN);
  const src = m.data as ArrayLike<number>;
  la.forEach((a, i) => lb.forEach((b, j) => (out[(a - 1) * Lb + (b - 1)] = Number(src[m.offset + i * m.stride[0] + j * m.stride[1]]))));
  return tensor(out, [La, Lb]);
}

/** CKA state of one (model, dataset) pass or shard. */
class CkaState implements AnalysisState {
  constructor(
    readonly layers: number[],
    readonly cfg: CkaConfig,
    readonly within: MinibatchCKA,
    readonly residual: { attention: MinibatchCKA; mlp: MinibatchCKA } | null,
    readonly len: number,
    readonly rows: Float32Array[],
    readonly filled: Uint8Array,
    private readonly positions: Map<number, number>,
  ) {}

  async update(capture: Capture, items: readonly StudyItem[]): Promise<void> {
    const block = tapLayers(capture, 'block', this.layers);
    const slots = items.map((it) => {
      const p = this.positions.get(it.index);
      if (p === undefined) throw new VitValueError(`item ${it.index} (${it.id}) is not an item of the pass's dataset; the engine must hand the pass's own items to update().`);
      return p < this.cfg.images ? p : -1;
    });
    await this.within.updateAsync(block);
    if (this.residual) {
      await this.residual.attention.updateAsync(tapLayers(capture, 'attnSkip', this.layers), tapLayers(capture, 'attnBranch', this.layers));
      await this.residual.mlp.updateAsync(tapLayers(capture, 'mlpSkip', this.layers), tapLayers(capture, 'mlpBranch', this.layers));
    }
    slots.forEach((s, b) => {
      if (s < 0) return;
      this.layers.forEach((_, i) => writeRow(block[i], b, this.cfg.tokens, capture.grid.prefix, this.rows[i], s * this.len));
      this.filled[s] = 1;
    });
  }

  merge(other: AnalysisState): void {
    if (!(other instanceof CkaState) || other.layers.join() !== this.layers.join() || other.len !== this.len || (other.residual === null) !== (this.residual === null)) {
      throw new VitValueError('`other` of the cka analysis merge must be a cka state of the same layers and options.');
    }
    this.within.merge(other.within);
    if (this.residual && other.residual) {
      this.residual.attention.merge(other.residual.attention);
      this.residual.mlp.merge(other.residual.mlp);
    }
    for (let s = 0; s < other.filled.length; s++) {
      if (!other.filled[s]) continue;
      this.rows.forEach((r, i) => r.set(other.rows[i].subarray(s * this.len, (s + 1) * this.len), s * this.len));
      this.filled[s] = 1;
    }
  }

  toJSON(): StateJSON {
    return {
      kind: KIND,
      version: 1,
      layers: [...this.layers],
      len: this.len,
      within: this.within.toJSON() as AccumulatorJSON<unknown, unknown>,
      residual: this.residual ? { attention: this.residual.attention.toJSON() as AccumulatorJSON<unknown, unknown>, mlp: this.residual.mlp.toJSON() as AccumulatorJSON<unknown, unknown> } : null,
      rows: this.rows.map((r) => r.slice()),
      filled: this.filled.slice(),
    };
  }
}

function opened(ctx: PassContext): { cfg: CkaConfig; layers: number[]; len: number } {
  const cfg = settings(ctx.config);
  if (cfg.tokens === 'cls' && ctx.model.prefix < 1) throw new VitValueError(`the cka analysis uses CLS tokens, but model ${ctx.model.name} has no CLS token; set tokens: mean for it.`);
  return { cfg, layers: analysisLayers(ctx.model, cfg.layers, 'cka'), len: rowLength(ctx.model, cfg.tokens) };
}

function accumulator(cfg: CkaConfig, ctx: Pick<PassContext, 'backend'>, prefix: number): MinibatchCKA {
  return new MinibatchCKA({ tokens: cfg.tokens, prefix, batchSize: cfg.minibatch, reference: cfg.reference, onUndefined: 'nan', backend: ctx.backend });
}

/**
 * `type: cka`: minibatch linear CKA (SPEC 8, `MinibatchCKA` of @vit/features, minibatches of
 * `minibatch` consecutive images of each batch): layer × layer within the model, residual CKA
 * of every attention and MLP residual add (the diagonal: skip vs branch of the same block),
 * and — in `finishStudy`, from the kept features of the dataset's first `images` images —
 * the last-layer CKA matrix across models and layer × layer CKA of every pair of models.
 */
export const ckaAnalysis: StudyAnalysis = {
  type: 'cka',

  needs(_model, config): TapNeeds {
    const c = settings(config);
    return { taps: c.residual ? ['block', 'attnSkip', 'attnBranch', 'mlpSkip', 'mlpBranch'] : ['block'], clsOnly: c.tokens === 'cls', ...(c.layers ? { layers: [...c.layers] } : {}) };
  },

  start(ctx) {
    const { cfg, layers, len } = opened(ctx);
    const p = ctx.model.prefix;
    const residual = cfg.residual ? { attention: accumulator(cfg, ctx, p), mlp: accumulator(cfg, ctx, p) } : null;
    const rows = layers.map(() => new Float32Array(cfg.images * len));
    return new CkaState(layers, cfg, accumulator(cfg, ctx, p), residual, len, rows, new Uint8Array(cfg.images), itemPositions(ctx.dataset));
  },

  restore(json, ctx) {
    const j = json as StateJSON;
    if (!j || j.kind !== KIND || j.version !== 1) {
      throw new VitValueError(`the cka analysis cannot restore this checkpoint state (kind ${JSON.stringify(j?.kind)}, version ${JSON.stringify(j?.version)}); delete the study's cache folder to start the pass again.`);
    }
    const { cfg, layers, len } = opened(ctx);
    if (layers.join() !== j.layers.join() || len !== j.len || j.filled.length !== cfg.images) {
      throw new VitValueError(`the cka checkpoint does not match the config (layers ${j.layers.join(', ')}, ${j.filled.length} kept images); delete the study's cache folder to start again.`);
    }
    const o = { backend: ctx.backend };
    const residual = j.residual ? { attention: MinibatchCKA.fromJSON(j.residual.attention, o), mlp: MinibatchCKA.fromJSON(j.residual.mlp, o) } : null;
    const rows = j.rows.map((r) => Float32Array.from(r));
    return new CkaState(layers, cfg, MinibatchCKA.fromJSON(j.within, o), residual, len, rows, Uint8Array.from(j.filled), itemPositions(ctx.dataset));
  },

  async finishModel(state, ctx): Promise<ModelFragment> {
    if (!(state instanceof CkaState)) throw new VitValueError('`state` of the cka analysis must be the state its start() or restore() made.');
    const L = ctx.model.layers;
    const { layers } = state;
    const features: FeatureResults = { cka: expandMatrix(state.within.result(), layers, L, layers, L) };
    if (state.residual) {
      features.residualCKA = { layers: [...layers], attention: diagonal(state.residual.attention.result()), mlp: diagonal(state.residual.mlp.result()) };
    }
    return { features };
  },

  async finishStudy(models: readonly FinishedModel[], ctx): Promise<StudyFragment> {
    const cfg = settings(ctx.config);
    const states = models.map((m) => {
      if (!(m.state instanceof CkaState)) throw new VitValueError('`state` of the cka analysis must be the state its start() or restore() made.');
      return m.state;
    });
    if (states.length < 2 || cfg.images === 0) return {};
    const kept = states[0].filled.length;
    const common: number[] = [];
    for (let s = 0; s < kept; s++) if (states.every((st) => st.filled[s])) common.push(s);
    const n = common.length;
    if (n < cfg.minibatch) {
      throw new VitValueError(
        `CKA across models needs at least ${cfg.minibatch} images seen by every model of the cka analysis on ${models[0].dataset.name}; got ${n}. Raise its images option or use a larger dataset.`,
        { code: 'VIT_EMPTY' },
      );
    }
    // Per model and selected layer: the kept rows of the common images as [n,1,len] ('all' tokens).
    const feats = states.map((st) =>
      st.rows.map((r) => {
        const d = new Float32Array(n * st.len);
        common.forEach((s, k) => d.set(r.subarray(s * st.len, (s + 1) * st.len), k * st.len));
        return tensor(d, [n, 1, st.len]);
      }),
    );
    const names = models.map((m) => m.model.name);
    const { pairs } = cfg;
    if (Array.isArray(pairs)) {
      const bad = pairs.flat().find((n) => !names.includes(n));
      if (bad !== undefined) throw new VitValueError(`\`pairs\` of the cka analysis names model "${bad}", which it did not run on (have: ${names.join(', ')}); list pairs of those models.`);
    }
    const wanted = (x: string, y: string) => pairs === 'all' || (Array.isArray(pairs) && pairs.some(([p, q]) => (p === x && q === y) || (p === y && q === x)));
    const M = models.length;
    const last = new Float32Array(M * M);
    for (let i = 0; i < M; i++) last[i * M + i] = 1;
    const pairCKA: NonNullable<NonNullable<StudyFragment['across']>['pairCKA']> = [];
    for (let i = 0; i < M; i++) {
      for (let j = i + 1; j < M; j++) {
        const acc = new MinibatchCKA({ tokens: 'all', prefix: 0, batchSize: cfg.minibatch, reference: cfg.reference, onUndefined: 'nan', backend: ctx.backend });
        await acc.updateAsync(feats[i], feats[j]);
        const m = acc.result();
        const [la, lb] = m.shape;
        const v = m.data[la * lb - 1];
        last[i * M + j] = v;
        last[j * M + i] = v;
        const a = models[i].model;
        const b = models[j].model;
        if (wanted(a.name, b.name)) pairCKA.push({ a: a.name, b: b.name, matrix: expandMatrix(m, states[i].layers, a.layers, states[j].layers, b.layers), tokens: cfg.tokens });
      }
    }
    return { across: { lastLayerCKA: { models: names, matrix: tensor(last, [M, M]), tokens: cfg.tokens }, ...(pairCKA.length ? { pairCKA } : {}) } };
  },
};
