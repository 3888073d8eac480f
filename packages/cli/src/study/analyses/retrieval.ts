import { z } from 'zod';
import { VitValueError, tensor } from '@vit/io';
import type { Tensor } from '@vit/io';
import { gaussianLike } from '@vit/features';
import { RetrievalAccumulator } from '@vit/tasks';
import type { RetrievalAccumulatorResult, RetrievalGroundTruth } from '@vit/tasks';
import type { RevisitedDataset } from '@vit/datasets';
import { analysisBase } from './common.js';
import { SpillState } from './spillState.js';
import type { SpillPolicy } from './spillState.js';
import { entryLayers, f32, studySeed } from './taskInputs.js';
import type { AnalysisConfig } from '../config.js';
import type { FinishedModel, ModelFragment, OpenDataset, OpenModel, PassContext, StudyAnalysis, StudyFragment, StudyItem, TapNeeds } from '../types.js';

/** The `retrieval` entry of a study config's `analyses` (SPEC 15, a `revisited` dataset). */
export const retrievalConfig = analysisBase.extend({
  type: z.literal('retrieval'),
  /** Feature of an image: CLS token or the mean of its spatial tokens. */
  tokens: z.enum(['cls', 'mean']).default('cls'),
});
export type RetrievalConfig = z.infer<typeof retrievalConfig>;

/** Database rows per similarity product in finishModel. */
const CHUNK = 2048;

interface Revisited {
  queries: number;
  database: number;
  gnd: RetrievalGroundTruth[];
  /** Role of an item: query `i` or database image `i`. */
  roleOf(item: { index: number; id: string }): { query: boolean; i: number };
}

function revisitedOf(dataset: OpenDataset): Revisited {
  const src = dataset.source as RevisitedDataset;
  if (dataset.reader !== 'revisited' || !src || !Array.isArray(src.queries) || !Array.isArray(src.database)) {
    throw new VitValueError(`retrieval needs a revisited dataset (roxford5k / rparis6k); "${dataset.name}" is read by ${dataset.reader}.`);
  }
  const q = new Map(src.queries.map((x, i) => [x.id, i]));
  const db = new Map(src.database.map((x, i) => [x.id, i]));
  const nq = src.queries.length;
  return {
    queries: nq,
    database: src.database.length,
    gnd: src.queries.map((x) => ({ easy: [...x.easy], hard: [...x.hard], junk: [...x.junk] })),
    roleOf(item) {
      const qi = q.get(item.id);
      if (qi !== undefined) return { query: true, i: qi };
      const di = db.get(item.id);
      if (di !== undefined) return { query: false, i: di };
      // items in the reader's iteration order: the queries, then the database
      return item.index < nq ? { query: true, i: item.index } : { query: false, i: item.index - nq };
    },
  };
}

function policy(ctx: PassContext): SpillPolicy {
  const c = ctx.config as RetrievalConfig;
  const r = revisitedOf(ctx.dataset);
  return {
    what: 'retrieval',
    layers: entryLayers(ctx.model, c.layers, 'retrieval'),
    mode: c.tokens,
    // label = the query's index, or −(1 + database index)
    labels: (items: readonly StudyItem[]) => items.map((it) => {
      const role = r.roleOf(it);
      return role.query ? role.i : -1 - role.i;
    }),
    tag: ctx.dataset.name,
  };
}

/** Query features of every layer `[nq, D]` from the spill. */
async function queryRows(state: SpillState, nq: number, what: string): Promise<Tensor[]> {
  const { spill } = state;
  const w = spill.width;
  const out = spill.layers.map(() => new Float32Array(nq * w));
  const seen = new Uint8Array(nq);
  for (const { s, start, n } of spill.chunks(CHUNK)) {
    const lab = spill.segments[s].labels.subarray(start, start + n);
    if (!lab.some((v) => v >= 0)) continue;
    for (let p = 0; p < spill.layers.length; p++) {
      const block = await spill.read(p, s, start, n);
      lab.forEach((q, r) => (q >= 0 ? out[p].set(block.subarray(r * w, (r + 1) * w), q * w) : undefined));
    }
    lab.forEach((q) => (q >= 0 ? (seen[q] = 1) : undefined));
  }
  const missing = seen.indexOf(0);
  if (missing >= 0) throw new VitValueError(`${what}: query ${missing} was not seen (${seen.length - seen.reduce((a, b) => a + b, 0)} of ${nq} missing: skipped or unreadable images).`, { code: 'VIT_EMPTY' });
  return out.map((d) => tensor(d, [nq, w]));
}

/** Revisited E/M/H mAP of every layer of a merged spill: queries held, database rows streamed. */
async function retrievalOfSpill(state: SpillState, ctx: Pick<PassContext, 'dataset' | 'backend'>, what: string): Promise<RetrievalAccumulatorResult> {
  const { spill } = state;
  const rv = revisitedOf(ctx.dataset);
  const acc = new RetrievalAccumulator(await queryRows(state, rv.queries, what), rv.gnd, { backend: ctx.backend });
  const w = spill.width;
  for (const { s, start, n } of spill.chunks(CHUNK)) {
    const lab = spill.segments[s].labels.subarray(start, start + n);
    const pick: number[] = [];
    lab.forEach((v, r) => (v < 0 ? pick.push(r) : undefined));
    if (pick.length === 0) continue;
    const features: Tensor[] = [];
    for (let p = 0; p < spill.layers.length; p++) {
      const block = await spill.read(p, s, start, n);
      const rows = new Float32Array(pick.length * w);
      pick.forEach((r, i) => rows.set(block.subarray(r * w, (r + 1) * w), i * w));
      features.push(tensor(rows, [pick.length, w]));
    }
    await acc.update({ features, indices: pick.map((r) => -1 - lab[r]) });
  }
  if (acc.seen < rv.database) {
    throw new VitValueError(`${what}: ${rv.database - acc.seen} of the ${rv.database} database images were not seen (skipped or unreadable); the revisited protocol needs every one.`, { code: 'VIT_EMPTY' });
  }
  return acc.result();
}

/**
 * Revisited Oxford/Paris retrieval per layer (SPEC 15): query and database features spilled
 * during the pass, then a `RetrievalAccumulator` over the queries with the database streamed →
 * `tasks.retrieval` (E/M/H mAP); the random baseline (Medium mAP on Gaussian features, SPEC 12)
 * → `baselines.retrieval`. Queries are not cropped to their box (the paper's code did not crop).
 */
export const retrievalAnalysis: StudyAnalysis = {
  type: 'retrieval',
  needs(model: OpenModel, config: AnalysisConfig): TapNeeds {
    return { taps: ['block'], layers: entryLayers(model, config.layers, 'retrieval'), clsOnly: (config as RetrievalConfig).tokens === 'cls' };
  },
  start(ctx) {
    return SpillState.start(ctx, policy(ctx));
  },
  restore(json, ctx) {
    return SpillState.restore(json, ctx, policy(ctx));
  },
  async finishModel(state, ctx): Promise<ModelFragment> {
    const r = await retrievalOfSpill(state as SpillState, ctx, `retrieval of model "${ctx.model.name}" on "${ctx.dataset.name}"`);
    return { tasks: { retrieval: { layers: [...(state as SpillState).spill.layers], easy: f32(r.easy.mAP), medium: f32(r.medium.mAP), hard: f32(r.hard.mAP), dataset: ctx.dataset.name } } };
  },
  async finishStudy(models: readonly FinishedModel[], ctx): Promise<StudyFragment> {
    if (models.length === 0) return {};
    const { dataset, state } = models[0];
    const rv = revisitedOf(dataset);
    const D = (state as SpillState).spill.width;
    // seeded Gaussian features of the shape of the real ones: queries [nq,D] (seed s), database [ndb,D] (seed s + 1)
    const q = gaussianLike({ shape: [rv.queries, D] } as unknown as Tensor, { seed: studySeed(ctx) });
    const db = gaussianLike({ shape: [rv.database, D] } as unknown as Tensor, { seed: studySeed(ctx) + 1 });
    const acc = new RetrievalAccumulator(q, rv.gnd, { backend: ctx.backend });
    await acc.update({ features: [db] });
    return { baselines: { retrieval: acc.result().medium.mAP.data[0] } };
  },
};
