// The state of the task analyses whose metric needs the whole pass at once (k-NN: train vs test,
// retrieval: queries vs database, DAVIS: whole videos, SPair: both images of a pair): per-layer
// rows spilled to the scratch folder as the batches come, read back in `finishModel`.
import { tensor, type Tensor } from '@vit/io';
import type { Capture } from '@vit/runtime';
import { FeatureSpill } from '../featureSpill.js';
import { blockTaps, itemRows } from './taskInputs.js';
import type { RowMode } from './taskInputs.js';
import type { AnalysisState, PassContext, StudyAnalysis, StudyItem } from '../types.js';
import { entryLayers } from './taskInputs.js';

/** How a spill state picks and labels the items of a batch. */
export interface SpillPolicy {
  /** Analysis name for messages. */
  what: string;
  layers: number[];
  mode: RowMode;
  /** Whether an item is kept. @default every item */
  keep?: (item: StudyItem) => boolean;
  /** Labels of the kept items (`-1` = none). @default -1 for every item */
  labels?: (items: readonly StudyItem[]) => number[];
  /** Tag of the segments this state writes (e.g. the role of its dataset). */
  tag: string;
}

/** The spilled rows of one pass (or of merged shards), with a tag per segment. */
export class SpillState implements AnalysisState {
  constructor(
    readonly spill: FeatureSpill,
    readonly tags: string[],
    private readonly policy: SpillPolicy,
  ) {}

  /** A fresh state writing into `ctx.scratchDir`. */
  static async start(ctx: PassContext, policy: SpillPolicy): Promise<SpillState> {
    return new SpillState(await FeatureSpill.create(ctx.scratchDir, policy.layers), [policy.tag], policy);
  }

  /** The state {@link toJSON} wrote (files truncated to the recorded items). */
  static async restore(json: unknown, ctx: PassContext, policy: SpillPolicy): Promise<SpillState> {
    const j = json as { spill: unknown; tags: string[] };
    return new SpillState(await FeatureSpill.restore(j.spill, ctx.scratchDir), [...j.tags], policy);
  }

  async update(capture: Capture, items: readonly StudyItem[]): Promise<void> {
    const p = this.policy;
    const keep: number[] = [];
    items.forEach((it, b) => (!p.keep || p.keep(it) ? keep.push(b) : undefined));
    if (keep.length === 0) return;
    const kept = keep.map((b) => items[b]);
    const labels = p.labels ? p.labels(kept) : kept.map(() => -1);
    const taps = blockTaps(capture, p.layers, p.what);
    let shape: number[] = [];
    const rows = taps.map((t) => {
      const r = itemRows(t, keep, p.mode, capture.grid, p.what);
      shape = r.shape;
      return r.data;
    });
    await this.spill.append(rows, shape, kept.map((it) => it.index), labels);
  }

  /** Where each label's first spilled row lies (segment, row): DAVIS and SPair label rows by frame or image code. */
  rowsByLabel(): Map<number, { s: number; row: number }> {
    const at = new Map<number, { s: number; row: number }>();
    this.spill.segments.forEach((seg, s) => seg.labels.forEach((c, row) => (at.has(c) ? undefined : at.set(c, { s, row }))));
    return at;
  }

  /** One spilled item's rows, a tensor of `shape` per spilled layer. */
  async readItem(at: { s: number; row: number }, shape: readonly number[]): Promise<Tensor[]> {
    const out: Tensor[] = [];
    for (let p = 0; p < this.spill.layers.length; p++) out.push(tensor(await this.spill.read(p, at.s, at.row, 1), [...shape]));
    return out;
  }

  merge(other: AnalysisState): void {
    const o = other as SpillState;
    this.spill.merge(o.spill);
    this.tags.push(...o.tags);
  }

  toJSON(): unknown {
    return { spill: this.spill.toJSON(), tags: [...this.tags] };
  }
}

/**
 * The `needs`, `start` and `restore` of an analysis that spills every item's block rows of its
 * layers and scores them in `finishModel` (DAVIS, SPair).
 */
export function spillLifecycle(type: string, policy: (ctx: PassContext) => SpillPolicy): Pick<StudyAnalysis, 'needs' | 'start' | 'restore'> {
  return {
    needs: (model, config) => ({ taps: ['block'], layers: entryLayers(model, config.layers, type) }),
    start: (ctx) => SpillState.start(ctx, policy(ctx)),
    restore: (json, ctx) => SpillState.restore(json, ctx, policy(ctx)),
  };
}
