import { z } from 'zod';
import { VitValueError, tensor, type AccumulatorJSON } from '@vit/io';
import { SaliencyIoUAccumulator } from '@vit/attention';
import { transformMask, type Capture } from '@vit/runtime';
import type { AttentionResults } from '@vit/report';
import type { AnalysisState, ModelFragment, OpenDataset, OpenModel, PassContext, StudyAnalysis, StudyItem, TapNeeds } from '../types.js';
import type { AnalysisConfig } from './configs.js';
import { analysisBase } from './common.js';
import { analysisLayers } from './internal/analysisLayers.js';
import { foregroundMask } from './internal/foregroundMask.js';
import { modelTransform } from '../modelTransform.js';
import { requireForegroundMasks } from './internal/requireForegroundMasks.js';
import { tapLayers } from './internal/tapLayers.js';

/** The `saliency` entry of a study config's `analyses`: attention saliency IoU against foreground masks (SPEC 5). */
export const saliencyConfig = analysisBase.extend({
  type: z.literal('saliency'),
  /** Each head's map: its CLS row (`cls`, the paper's) or the sum of its spatial rows (`spatial`, for models without CLS). */
  source: z.enum(['cls', 'spatial']).default('cls'),
  /** Share of a map's mass kept in the predicted mask. */
  mass: z.number().gt(0).lte(1).default(0.6),
});
export type SaliencyConfig = z.infer<typeof saliencyConfig>;

const KIND = 'study-saliency';

interface StateJSON {
  kind: typeof KIND;
  version: 1;
  layers: number[];
  iou: AccumulatorJSON<unknown, unknown>;
}

const settings = (config: AnalysisConfig | SaliencyConfig): SaliencyConfig => saliencyConfig.parse(config);

/** Token-level ground truth of one image: its foreground through the model's resize + crop onto the token grid. */
async function tokenMask(dataset: OpenDataset, item: StudyItem, model: OpenModel): Promise<Uint8Array> {
  return transformMask(await foregroundMask(dataset, item), { ...modelTransform(model), patch: model.patch }).tokens.data;
}

/** Saliency IoU of one (model, dataset) pass or shard. */
class SaliencyState implements AnalysisState {
  constructor(
    readonly layers: number[],
    readonly iou: SaliencyIoUAccumulator,
    private readonly model: OpenModel,
    private readonly dataset: OpenDataset,
  ) {}

  async update(capture: Capture, items: readonly StudyItem[]): Promise<void> {
    const attention = tapLayers(capture, 'attention', this.layers);
    const { gh, gw } = capture.grid;
    const masks = new Uint8Array(items.length * gh * gw);
    for (let b = 0; b < items.length; b++) {
      const t = await tokenMask(this.dataset, items[b], this.model);
      if (t.length !== gh * gw) {
        throw new VitValueError(`the foreground of ${items[b].path} maps onto ${t.length} tokens but the capture's grid is ${gh}×${gw}; the model's preset or patch does not match its session.`, { code: 'VIT_SHAPE' });
      }
      masks.set(t, b * gh * gw);
    }
    this.iou.update({ attention, grid: capture.grid, masks: tensor(masks, [items.length, gh, gw]) });
  }

  merge(other: AnalysisState): void {
    if (!(other instanceof SaliencyState) || other.layers.join() !== this.layers.join()) {
      throw new VitValueError('`other` of the saliency analysis merge must be a saliency state of the same layers.');
    }
    this.iou.merge(other.iou);
  }

  toJSON(): StateJSON {
    return { kind: KIND, version: 1, layers: [...this.layers], iou: this.iou.toJSON() as AccumulatorJSON<unknown, unknown> };
  }
}

function opened(ctx: PassContext): { cfg: SaliencyConfig; layers: number[] } {
  const cfg = settings(ctx.config);
  requireForegroundMasks(ctx.dataset, 'saliency');
  if (cfg.source === 'cls' && ctx.model.prefix < 1) {
    throw new VitValueError(`the saliency analysis reads CLS rows, but model ${ctx.model.name} has no CLS token; set source: spatial for it.`);
  }
  return { cfg, layers: analysisLayers(ctx.model, cfg.layers, 'saliency') };
}

/**
 * `type: saliency`: attention saliency IoU per layer (SPEC 5) against the dataset's foreground
 * masks — the union of a COCO image's instance masks, a PartImageNet image's part masks, or
 * a `folder` dataset's `masks/<file>` — put on the token grid by `transformMask` of
 * @vit/runtime with the model's preset, through `SaliencyIoUAccumulator` of @vit/attention.
 * Reports the oracle head (the paper's figure), the fixed best head, the head-merged map
 * and every head's mean IoU.
 */
export const saliencyAnalysis: StudyAnalysis = {
  type: 'saliency',

  needs(_model, config): TapNeeds {
    const c = settings(config);
    return { taps: ['attention'], ...(c.layers ? { layers: [...c.layers] } : {}) };
  },

  start(ctx) {
    const { cfg, layers } = opened(ctx);
    return new SaliencyState(layers, new SaliencyIoUAccumulator({ source: cfg.source, mass: cfg.mass }), ctx.model, ctx.dataset);
  },

  restore(json, ctx) {
    const j = json as StateJSON;
    if (!j || j.kind !== KIND || j.version !== 1) {
      throw new VitValueError(`the saliency analysis cannot restore this checkpoint state (kind ${JSON.stringify(j?.kind)}, version ${JSON.stringify(j?.version)}); delete the study's cache folder to start the pass again.`);
    }
    const { layers } = opened(ctx);
    if (layers.join() !== j.layers.join()) throw new VitValueError(`the saliency checkpoint is for layers ${j.layers.join(', ')}, the config asks for ${layers.join(', ')}; delete the study's cache folder to start again.`);
    return new SaliencyState(j.layers, SaliencyIoUAccumulator.fromJSON(j.iou), ctx.model, ctx.dataset);
  },

  async finishModel(state): Promise<ModelFragment> {
    if (!(state instanceof SaliencyState)) throw new VitValueError('`state` of the saliency analysis must be the state its start() or restore() made.');
    const r = state.iou.result();
    const saliency: NonNullable<AttentionResults['saliency']> = { layers: [...state.layers], oracle: r.oracle, fixed: r.fixed, merged: r.merged, perHead: r.perHead };
    return { attention: { saliency } };
  },
};
