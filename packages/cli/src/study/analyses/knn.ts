import { z } from 'zod';
import { VitValueError, tensor } from '@vit/io';
import type { Tensor } from '@vit/io';
import { gaussianLike } from '@vit/features';
import { KnnIndex } from '@vit/tasks';
import { analysisBase } from './common.js';
import { SpillState } from './spillState.js';
import type { SpillPolicy } from './spillState.js';
import { entryLayers, itemLabels, studySeed } from './taskInputs.js';
import type { AnalysisConfig } from '../config.js';
import type { FinishedModel, ModelFragment, OpenDataset, OpenModel, PassContext, StudyAnalysis, StudyFragment, TapNeeds } from '../types.js';

/** The `knn` entry of a study config's `analyses` (SPEC 14). */
export const knnConfig = analysisBase.extend({
  type: z.literal('knn'),
  /** Neighbours; default: the dataset's `knnProtocol.k`, else 20 (the paper's). */
  k: z.number().int().min(1).optional(),
  /** Vote temperature; default: the dataset's `knnProtocol.temperature`, else 0.07. */
  temperature: z.number().positive().optional(),
  /** Name of the train dataset (e.g. ImageNet train) when `dataset` is the test set; omitted = the `knnProtocol` of the dataset's labels.json. */
  train: z.string().min(1).optional(),
  /** Feature of an image: CLS token or the mean of its spatial tokens. */
  tokens: z.enum(['cls', 'mean']).default('cls'),
});
export type KnnConfig = z.infer<typeof knnConfig>;

/** `knnProtocol` of a folder dataset's labels.json. */
interface KnnProtocol {
  train: [number, number];
  test: [number, number];
  k?: number;
  temperature?: number;
}

/** Train rows streamed per similarity product in finishModel (memory: test rows + this many). */
const CHUNK = 2048;

function protocolOf(dataset: OpenDataset): KnnProtocol | null {
  const p = (dataset.source as { knnProtocol?: KnnProtocol } | null)?.knnProtocol;
  if (!p) return null;
  const range = (r: unknown) => Array.isArray(r) && r.length === 2 && r.every((v) => Number.isInteger(v) && v >= 0) && r[0] < r[1];
  if (!range(p.train) || !range(p.test)) {
    throw new VitValueError(`knn: knnProtocol of dataset "${dataset.name}" must be { train: [a, b], test: [c, d] } with 0 ≤ a < b, 0 ≤ c < d (item positions). Got ${JSON.stringify(p)}.`);
  }
  return p;
}

/** Role of the segments a pass writes: `mixed` (roles by item position), `train` or `test`. */
function roleOf(ctx: PassContext): 'mixed' | 'train' | 'test' {
  const c = ctx.config as KnnConfig;
  if (c.train !== undefined) {
    if (ctx.dataset.name === c.train) return 'train';
    if (ctx.dataset.name === c.dataset) return 'test';
    throw new VitValueError(`knn: dataset "${ctx.dataset.name}" is neither the test set "${c.dataset}" nor the train set "${c.train}" of this entry.`);
  }
  if (!protocolOf(ctx.dataset)) {
    throw new VitValueError(
      `knn on "${ctx.dataset.name}" needs a train/test split: a folder dataset whose labels.json has knnProtocol { train: [a,b], test: [c,d] }, or train: <dataset name> in the analysis entry.`,
    );
  }
  return 'mixed';
}

function policy(ctx: PassContext): SpillPolicy {
  const c = ctx.config as KnnConfig;
  const role = roleOf(ctx);
  if (ctx.dataset.items.length > 0) itemLabels(ctx.dataset.items.slice(0, 1), ctx.dataset, 'knn');
  const p = role === 'mixed' ? protocolOf(ctx.dataset)! : null;
  const inRange = (r: [number, number], i: number) => i >= r[0] && i < r[1];
  return {
    what: 'knn',
    layers: entryLayers(ctx.model, c.layers, 'knn'),
    mode: c.tokens,
    keep: p ? (it) => inRange(p.train, it.index) || inRange(p.test, it.index) : undefined,
    labels: (items) => itemLabels(items, ctx.dataset, 'knn'),
    tag: role,
  };
}

/** Which rows of the merged spill are train and test rows, in stream order. */
function split(state: SpillState, ctx: Pick<PassContext, 'dataset' | 'config'>): { isTest: (s: number, row: number) => boolean; isTrain: (s: number, row: number) => boolean } {
  const p = protocolOf(ctx.dataset);
  const inRange = (r: [number, number], i: number) => i >= r[0] && i < r[1];
  const role = (s: number, row: number): 'train' | 'test' | null => {
    const tag = state.tags[s];
    if (tag === 'train' || tag === 'test') return tag;
    const idx = state.spill.segments[s].index[row];
    return p && inRange(p.test, idx) ? 'test' : p && inRange(p.train, idx) ? 'train' : null;
  };
  return { isTest: (s, r) => role(s, r) === 'test', isTrain: (s, r) => role(s, r) === 'train' };
}

function settings(ctx: Omit<PassContext, 'model' | 'scratchDir'>): { k: number; temperature: number } {
  const c = ctx.config as KnnConfig;
  const p = c.train === undefined ? protocolOf(ctx.dataset) : null;
  return { k: c.k ?? p?.k ?? 20, temperature: c.temperature ?? p?.temperature ?? 0.07 };
}

/** Gather the test rows of layer position `p` and their labels. */
async function testRows(state: SpillState, p: number, isTest: (s: number, r: number) => boolean): Promise<{ rows: Float32Array; labels: Int32Array; m: number }> {
  const { spill } = state;
  const w = spill.width;
  let m = 0;
  spill.segments.forEach((seg, s) => seg.index.forEach((_, r) => (isTest(s, r) ? m++ : undefined)));
  const rows = new Float32Array(m * w);
  const labels = new Int32Array(m);
  let at = 0;
  for (const { s, start, n } of spill.chunks(CHUNK)) {
    let any = false;
    for (let r = start; r < start + n; r++) any ||= isTest(s, r);
    if (!any) continue;
    const block = await spill.read(p, s, start, n);
    for (let r = 0; r < n; r++) {
      if (!isTest(s, start + r)) continue;
      rows.set(block.subarray(r * w, (r + 1) * w), at * w);
      labels[at++] = spill.segments[s].labels[start + r];
    }
  }
  return { rows, labels, m };
}

/** k-NN top-1/top-5 of every layer of a merged spill: test rows held, train rows streamed in chunks. */
async function knnOfSpill(state: SpillState, ctx: PassContext): Promise<{ layers: number[]; top1: Float64Array; top5: Float64Array; k: number }> {
  const { spill } = state;
  const { isTest, isTrain } = split(state, ctx);
  const { k, temperature } = settings(ctx);
  const c = ctx.config as KnnConfig;
  const numClasses = numClassesOf(state, ctx.dataset);
  const w = spill.width;
  const L = spill.layers.length;
  const top1 = new Float64Array(L);
  const top5 = new Float64Array(L);
  for (let p = 0; p < L; p++) {
    const test = await testRows(state, p, isTest);
    if (test.m === 0) throw new VitValueError(`knn of model "${ctx.model.name}" on "${ctx.dataset.name}": no test image was seen.`, { code: 'VIT_EMPTY' });
    const index = new KnnIndex(tensor(test.rows, [test.m, w]), { k, temperature, numClasses, testLabels: test.labels, backend: ctx.backend });
    for (const { s, start, n } of spill.chunks(CHUNK)) {
      const pick: number[] = [];
      for (let r = start; r < start + n; r++) if (isTrain(s, r)) pick.push(r - start);
      if (pick.length === 0) continue;
      const block = await spill.read(p, s, start, n);
      const rows = pick.length === n ? block : new Float32Array(pick.length * w);
      if (pick.length !== n) pick.forEach((r, i) => rows.set(block.subarray(r * w, (r + 1) * w), i * w));
      await index.update({ features: [tensor(rows, [pick.length, w])], labels: Int32Array.from(pick, (r) => spill.segments[s].labels[start + r]) });
    }
    if (index.seen === 0 && c.train !== undefined) {
      throw new VitValueError(
        `knn of model "${ctx.model.name}": no image of the train set "${c.train}" reached this entry; the engine must run its pass too (StudyAnalysis.datasets) and merge it into the test pass's state.`,
        { code: 'VIT_EMPTY' },
      );
    }
    if (index.seen < k) {
      throw new VitValueError(`knn of model "${ctx.model.name}" on "${ctx.dataset.name}": k = ${k} but only ${index.seen} train images were seen; lower k or use more train images.`, { code: 'VIT_K_TOO_LARGE' });
    }
    const r = index.result();
    top1[p] = r.top1.data[0];
    top5[p] = r.top5.data[0];
  }
  return { layers: [...spill.layers], top1, top5, k };
}

function numClassesOf(state: SpillState, dataset: OpenDataset): number {
  let max = -1;
  for (const seg of state.spill.segments) for (const v of seg.labels) if (v > max) max = v;
  return Math.max(dataset.classes?.length ?? 0, max + 1);
}

/**
 * k-NN classification per layer (SPEC 14): CLS (or mean) features of the train and test images
 * spilled to `.npy` during the pass, then a `KnnIndex` per layer over the test rows with the
 * train rows streamed in chunks → `tasks.knn`; the random baseline (SPEC 12) → `baselines.knn`.
 */
export const knnAnalysis: StudyAnalysis = {
  type: 'knn',
  needs(model: OpenModel, config: AnalysisConfig): TapNeeds {
    return { taps: ['block'], layers: entryLayers(model, config.layers, 'knn'), clsOnly: (config as KnnConfig).tokens === 'cls' };
  },
  datasets(config: AnalysisConfig): string[] {
    const c = config as KnnConfig;
    return c.train === undefined ? [c.dataset] : [c.dataset, c.train];
  },
  start(ctx) {
    return SpillState.start(ctx, policy(ctx));
  },
  restore(json, ctx) {
    return SpillState.restore(json, ctx, policy(ctx));
  },
  async finishModel(state, ctx): Promise<ModelFragment> {
    const r = await knnOfSpill(state as SpillState, ctx);
    const L = r.layers.length;
    return { tasks: { knn: { layers: r.layers, top1: tensor(Float32Array.from(r.top1), [L]), top5: tensor(Float32Array.from(r.top5), [L]), k: r.k, dataset: ctx.dataset.name } } };
  },
  async finishStudy(models: readonly FinishedModel[], ctx): Promise<StudyFragment> {
    if (models.length === 0) return {};
    const { dataset } = models[0];
    const state = models[0].state as SpillState;
    return { baselines: { knn: await knnBaseline(state, { ...ctx, dataset }) } };
  },
};

/**
 * The random baseline (SPEC 12): k-NN top-1 of seeded Gaussian features of the shape of the
 * last layer's train and test features (test: seed `s`, train chunk `i`: seed `s + 1 + i`), with
 * the real labels.
 */
async function knnBaseline(state: SpillState, ctx: Omit<PassContext, 'model' | 'scratchDir'>): Promise<number> {
  const { isTest, isTrain } = split(state, ctx);
  const { k, temperature } = settings(ctx);
  const { spill } = state;
  const D = spill.width;
  const seed = studySeed(ctx);
  const testLabels: number[] = [];
  const trainLabels: number[] = [];
  spill.segments.forEach((seg, s) =>
    seg.labels.forEach((l, r) => {
      if (isTest(s, r)) testLabels.push(l);
      else if (isTrain(s, r)) trainLabels.push(l);
    }),
  );
  if (testLabels.length === 0 || trainLabels.length < k) return NaN;
  // gaussianLike reads only the shape of its argument
  const shape = (n: number) => ({ shape: [n, D] }) as unknown as Tensor;
  const index = new KnnIndex(gaussianLike(shape(testLabels.length), { seed }), { k, temperature, numClasses: numClassesOf(state, ctx.dataset), testLabels, backend: ctx.backend });
  for (let i = 0, at = 0; at < trainLabels.length; i++, at += CHUNK) {
    const n = Math.min(CHUNK, trainLabels.length - at);
    await index.update({ features: [gaussianLike(shape(n), { seed: seed + 1 + i })], labels: trainLabels.slice(at, at + n) });
  }
  return index.result().top1.data[0];
}
