import { z } from 'zod';
import { VitValueError, tensor } from '@vit/io';
import type { Tensor } from '@vit/io';
import { ClusteringAccumulator } from '@vit/features';
import type { LabelledMask } from '@vit/features';
import { transformMask } from '@vit/runtime';
import type { Capture } from '@vit/runtime';
import type { CocoDataset, CocoSample } from '@vit/datasets';
import { analysisBase } from './common.js';
import { blockTaps, dense3, entryLayers, itemLabels, modelGeometry, studySeed } from './taskInputs.js';
import type { AnalysisState, ModelFragment, OpenModel, PassContext, StudyAnalysis, StudyItem, TapNeeds } from '../types.js';
import type { AnalysisConfig } from '../config.js';

/** The `clustering` entry of a study config's `analyses` (SPEC 9–11). */
export const clusteringConfig = analysisBase.extend({
  type: z.literal('clustering'),
  /** `cls`: CLS token per image; `spatial`: mean of the spatial tokens per image (both against class labels); `object`: COCO instance masks; `part`: PartImageNet part masks (mask-weighted token means against category labels). */
  features: z.enum(['cls', 'spatial', 'object', 'part']).default('cls'),
  /** Clusters; default = the number of distinct labels. */
  k: z.number().int().min(1).optional(),
  /** Use only the first `images` images of the dataset (memory: rows × D per layer). */
  images: z.number().int().min(1).optional(),
  /** k-means restarts (SPEC 9). */
  nInit: z.number().int().min(1).default(10),
  /** k-means seed; default = the study's seed. */
  seed: z.number().int().optional(),
});
export type ClusteringConfig = z.infer<typeof clusteringConfig>;

const what = (c: ClusteringConfig) => `clustering (features: ${c.features})`;

class ClusteringState implements AnalysisState {
  constructor(
    readonly acc: ClusteringAccumulator,
    private readonly ctx: PassContext,
    private readonly layers: number[],
    private readonly allowed: Set<number> | null,
  ) {}

  private get config(): ClusteringConfig {
    return this.ctx.config as ClusteringConfig;
  }

  update(capture: Capture, items: readonly StudyItem[]): void {
    const c = this.config;
    const keep: number[] = [];
    items.forEach((it, b) => (this.allowed === null || this.allowed.has(it.index) ? keep.push(b) : undefined));
    if (keep.length === 0) return;
    const taps = blockTaps(capture, this.layers, what(c)).map((t) => (keep.length === items.length ? t : rowsOf(t, keep)));
    const kept = keep.map((b) => items[b]);
    const input = { taps: { block: taps }, layers: this.layers, grid: capture.grid };
    if (c.features === 'cls' || c.features === 'spatial') {
      this.acc.update({ ...input, meta: { labels: itemLabels(kept, this.ctx.dataset, what(c)) } });
    } else {
      this.acc.update({ ...input, masks: kept.map((it) => itemMasks(this.ctx, it)) });
    }
  }

  merge(other: AnalysisState): void {
    this.acc.merge((other as ClusteringState).acc);
  }

  toJSON(): unknown {
    return { acc: this.acc.toJSON() };
  }
}

/** Rows `keep` of a `[B,T,D]` tensor, as a new contiguous tensor. */
function rowsOf(t: Tensor, keep: readonly number[]): Tensor {
  const [, T, D] = t.shape;
  const d = dense3(t);
  const out = new Float32Array(keep.length * T * D);
  keep.forEach((b, r) => out.set(d.subarray(b * T * D, (b + 1) * T * D), r * T * D));
  return tensor(out, [keep.length, T, D]);
}

/** The sample of a COCO-style dataset behind an item (by index, checked by path; else by path). */
function cocoSampleOf(ctx: PassContext, item: StudyItem): CocoSample {
  const ds = ctx.dataset.source as CocoDataset<CocoSample>;
  const samples = ds?.samples;
  if (!Array.isArray(samples)) throw new VitValueError(`clustering: dataset "${ctx.dataset.name}" (reader ${ctx.dataset.reader}) has no COCO-style samples with masks.`);
  const s = samples[item.index];
  if (s && s.path === item.path) return s;
  const found = samples.find((x) => x.path === item.path);
  if (!found) throw new VitValueError(`clustering: item "${item.id}" is not an image of dataset "${ctx.dataset.name}".`);
  return found;
}

/** The item's annotated masks as the model saw them (transformMask: nearest resize + crop), labelled by category id. */
function itemMasks(ctx: PassContext, item: StudyItem): LabelledMask[] {
  const geom = modelGeometry(ctx.model);
  const { masks, categoryIds } = cocoSampleOf(ctx, item).instanceMasks();
  const [N, H, W] = masks.shape;
  const out: LabelledMask[] = [];
  for (let n = 0; n < N; n++) {
    const m = transformMask(tensor(masks.data.subarray(n * H * W, (n + 1) * H * W), [H, W]), geom).mask;
    out.push({ mask: m, label: categoryIds[n] });
  }
  return out;
}

function checkReader(ctx: PassContext): void {
  const c = ctx.config as ClusteringConfig;
  const need = c.features === 'object' ? 'coco' : c.features === 'part' ? 'partImageNet' : null;
  if (!need && ctx.dataset.items.length > 0) itemLabels(ctx.dataset.items.slice(0, 1), ctx.dataset, `clustering (features: ${c.features})`);
  if (need && ctx.dataset.reader !== need) {
    throw new VitValueError(`clustering (features: ${c.features}) needs a ${need} dataset; "${ctx.dataset.name}" is read by ${ctx.dataset.reader}. Use features: cls or spatial there.`);
  }
}

function accumulator(ctx: PassContext): ClusteringAccumulator {
  const c = ctx.config as ClusteringConfig;
  const tokens = c.features === 'cls' ? 'cls' : c.features === 'spatial' ? 'mean' : 'masks';
  return new ClusteringAccumulator({ tokens, k: c.k, nInit: c.nInit, seed: c.seed ?? studySeed(ctx), backend: ctx.backend });
}

function allowedItems(ctx: PassContext): Set<number> | null {
  const c = ctx.config as ClusteringConfig;
  return c.images === undefined ? null : new Set(ctx.dataset.items.slice(0, c.images).map((it) => it.index));
}

/**
 * k-means clustering of per-layer features scored against labels (SPEC 9–11): CLS tokens or
 * mean spatial tokens against class labels, or mask-pooled object (COCO) / part (PartImageNet)
 * features against their categories. Built on `ClusteringAccumulator` → `features.clustering.<kind>`.
 */
export const clusteringAnalysis: StudyAnalysis = {
  type: 'clustering',
  needs(model: OpenModel, config: AnalysisConfig): TapNeeds {
    return { taps: ['block'], layers: entryLayers(model, config.layers, 'clustering'), clsOnly: (config as ClusteringConfig).features === 'cls' };
  },
  start(ctx) {
    checkReader(ctx);
    return new ClusteringState(accumulator(ctx), ctx, entryLayers(ctx.model, ctx.config.layers, 'clustering'), allowedItems(ctx));
  },
  restore(json, ctx) {
    const acc = ClusteringAccumulator.fromJSON((json as { acc: unknown }).acc, { backend: ctx.backend });
    return new ClusteringState(acc, ctx, entryLayers(ctx.model, ctx.config.layers, 'clustering'), allowedItems(ctx));
  },
  async finishModel(state, ctx): Promise<ModelFragment> {
    const c = ctx.config as ClusteringConfig;
    const acc = (state as ClusteringState).acc;
    if (acc.seen === 0) throw new VitValueError(`clustering (features: ${c.features}) of model "${ctx.model.name}" on "${ctx.dataset.name}" saw no image.`, { code: 'VIT_EMPTY' });
    const r = await acc.result();
    return { features: { clustering: { [c.features]: { layers: r.layers, purity: r.purity, nmi: r.nmi, ari: r.ari, k: r.k } } } };
  },
};
