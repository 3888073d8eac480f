import { z } from 'zod';
import { VitValueError } from '@vit/io';
import type { Tensor, TypedArray } from '@vit/io';
import { gaussianLike } from '@vit/features';
import { PropagationAccumulator } from '@vit/tasks';
import type { PropagationResult } from '@vit/tasks';
import { transformMask } from '@vit/runtime';
import type { Dataset, DavisVideo } from '@vit/datasets';
import { analysisBase } from './common.js';
import { SpillState, spillLifecycle } from './spillState.js';
import type { SpillPolicy } from './spillState.js';
import { entryLayers, f32, modelGeometry, studySeed } from './taskInputs.js';
import type { FinishedModel, ModelFragment, OpenDataset, OpenModel, PassContext, StudyAnalysis, StudyFragment, StudyItem } from '../types.js';

/** The `davis` entry of a study config's `analyses` (SPEC 16, a `davis` dataset; the items are the frames in video order). */
export const davisConfig = analysisBase.extend({
  type: z.literal('davis'),
  /** Previous frames whose soft predictions are context (SPEC 16: 7). */
  contextFrames: z.number().int().min(1).default(7),
  /** Affinity temperature (SPEC 16: 0.1). */
  temperature: z.number().positive().default(0.1),
  /** Neighbourhood in tokens along each axis (SPEC 16: 12). */
  neighborhood: z.number().int().min(1).default(12),
  /** Affinities kept per target token (SPEC 16: 5). */
  topk: z.number().int().min(1).default(5),
});
export type DavisConfig = z.infer<typeof davisConfig>;

/** Frame code of the spill's labels: video `v`, frame `f` → `v·2¹⁶ + f`. */
const code = (v: number, f: number) => v * 65536 + f;

function videosOf(dataset: OpenDataset): { videos: readonly DavisVideo[]; frameOf(item: StudyItem): number } {
  const src = dataset.source as Dataset<DavisVideo>;
  if (dataset.reader !== 'davis' || !Array.isArray(src?.samples)) throw new VitValueError(`davis needs a davis dataset; "${dataset.name}" is read by ${dataset.reader}.`);
  const videos: readonly DavisVideo[] = src.samples;
  const byKey = new Map<string, number>();
  videos.forEach((v, i) => {
    if (v.frames.length >= 65536) throw new VitValueError(`davis: video "${v.id}" has ${v.frames.length} frames; at most 65535 are supported.`);
    v.frames.forEach((fr, f) => {
      byKey.set(`id:${fr.id}`, code(i, f));
      byKey.set(`path:${fr.path}`, code(i, f));
    });
  });
  return {
    videos,
    frameOf(item) {
      const c = byKey.get(`id:${item.id}`) ?? byKey.get(`path:${item.path}`);
      if (c === undefined) throw new VitValueError(`davis: item "${item.id}" is not a frame of dataset "${dataset.name}".`);
      return c;
    },
  };
}

function policy(ctx: PassContext): SpillPolicy {
  const v = videosOf(ctx.dataset);
  return {
    what: 'davis',
    layers: entryLayers(ctx.model, ctx.config.layers, 'davis'),
    mode: 'spatial',
    labels: (items) => items.map((it) => v.frameOf(it)),
    tag: ctx.dataset.name,
  };
}

/** Where each frame's rows are: frame code → `{ s, row }`. */

/** The leading frames of a video that were seen (a video cut by a dataset `limit` keeps its first frames). */
function seenFrames(at: Map<number, unknown>, v: number, total: number): number {
  let n = 0;
  while (n < total && at.has(code(v, n))) n++;
  return n;
}

/** The truth label maps of frames `[0, n)` as the model saw them (nearest resize + crop). */
async function truthOf(video: DavisVideo, n: number, model: OpenModel): Promise<Tensor<TypedArray>[]> {
  const geom = modelGeometry(model);
  const out: Tensor<TypedArray>[] = [];
  for (let f = 0; f < n; f++) {
    const fr = video.frames[f];
    if (!fr.maskPath) throw new VitValueError(`davis: frame "${fr.id}" has no annotation PNG; J&F needs the annotation of every frame (use the val split).`, { code: 'VIT_DATASET_LAYOUT' });
    const m = transformMask(await fr.loadMask(), geom).mask as Tensor<Uint8Array>;
    for (let i = 0; i < m.data.length; i++) if (m.data[i] === 255) m.data[i] = 0; // DAVIS "void" is not an object
    out.push(m);
  }
  return out;
}

type FrameSource = (v: number, f: number) => Promise<Tensor[]>;

/** Propagate and score every (seen) video with per-frame features from `frames`. */
async function propagate(dataset: OpenDataset, model: OpenModel, config: DavisConfig, at: Map<number, unknown>, frames: FrameSource, backend: PassContext['backend']): Promise<PropagationResult | null> {
  const { videos } = videosOf(dataset);
  const acc = new PropagationAccumulator({ contextFrames: config.contextFrames, temperature: config.temperature, neighborhood: config.neighborhood, k: config.topk, backend });
  for (let v = 0; v < videos.length; v++) {
    const n = seenFrames(at, v, videos[v].frames.length);
    if (n < 3) continue; // fewer than 3 frames: nothing to score
    const truth = await truthOf(videos[v], n, model);
    async function* gen() {
      for (let f = 0; f < n; f++) yield await frames(v, f);
    }
    await acc.update({ id: videos[v].id, truth, frames: gen() });
  }
  return acc.seen === 0 ? null : acc.result();
}

/**
 * DAVIS 2017 label propagation per layer (SPEC 16): every frame's spatial tokens spilled during
 * the pass (videos may straddle batches and shards), then each video propagated and scored with a
 * `PropagationAccumulator` → `tasks.davis` (J&F, J, F); Gaussian features of the same shape →
 * `baselines.davis`. The frames are scored as the model saw them (the preset's resize and centre
 * crop), the truth put through the same geometry.
 */
export const davisAnalysis: StudyAnalysis = {
  type: 'davis',
  ...spillLifecycle('davis', policy),
  async finishModel(state, ctx): Promise<ModelFragment> {
    const st = state as SpillState;
    const at = st.rowsByLabel();
    const [gh, gw, D] = st.spill.itemShape ?? [0, 0, 0];
    const r = await propagate(
      ctx.dataset,
      ctx.model,
      ctx.config as DavisConfig,
      at,
      (v, f) => st.readItem(at.get(code(v, f))!, [gh, gw, D]),
      ctx.backend,
    );
    if (!r) throw new VitValueError(`davis of model "${ctx.model.name}" on "${ctx.dataset.name}": no video with at least 3 frames was seen.`, { code: 'VIT_EMPTY' });
    return { tasks: { davis: { layers: st.spill.layers, jf: f32(r.JF), j: f32(r.J), f: f32(r.F) } } };
  },
  async finishStudy(models: readonly FinishedModel[], ctx): Promise<StudyFragment> {
    if (models.length === 0) return {};
    const { dataset, model } = models[0];
    const st = models[0].state as SpillState;
    const at = st.rowsByLabel();
    const shape = { shape: st.spill.itemShape } as unknown as Tensor;
    // seeded Gaussian features of every frame's shape [gh,gw,D]: frame f of video v gets seed s + code(v, f)
    const r = await propagate(dataset, model, ctx.config as DavisConfig, at, async (v, f) => [gaussianLike(shape, { seed: studySeed(ctx) + code(v, f) })], ctx.backend);
    return r ? { baselines: { davis: r.JF.data[0] } } : {};
  },
};
