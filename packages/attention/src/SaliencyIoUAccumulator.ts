import { tensor, type AccumulatorJSON, type AccumulatorRestoreOptions, type Data, type Tensor } from '@vit/io';
import type { AttentionGrid } from './grid.js';
import { LayeredAccumulator, type AccumulatorCheckOptions, type AttentionInput, type LayerShape, type LayeredState } from './internal/base.js';
import type { LayerCache } from './internal/cache.js';
import { saliencyMapKernel } from './internal/kernels.js';
import { checkSource } from './internal/options.js';
import { checkMass, gtMasks, saliencyFromMaps } from './internal/saliency.js';
import { requireCls } from './internal/view.js';

/** Options of {@link SaliencyIoUAccumulator}. */
export interface SaliencyIoUAccumulatorOptions extends AccumulatorCheckOptions {
  /**
   * CLS row (`'cls'`) or sum of spatial rows (`'spatial'`) as each head's map.
   * @default 'cls'
   */
  source?: 'cls' | 'spatial';
  /**
   * Share of the map's mass kept in the predicted mask.
   * @default 0.6
   */
  mass?: number;
  /**
   * Keep every image's `[L,H]` IoUs (`perImage [N,L,H]`, NaN for skipped images; merge
   * appends the other shard's images after this one's).
   * @default false
   */
  keepPerImage?: boolean;
}

/** A batch for {@link SaliencyIoUAccumulator}: attention (or a Capture) plus ground-truth token masks. */
export type SaliencyBatch = AttentionInput & {
  /** Ground-truth token masks `[B,gh,gw]`, foreground where > 0 (SPEC 5). */
  masks: Tensor<Data>;
};

/** Result of {@link SaliencyIoUAccumulator}: per-layer numbers as tensors, layer `layers[i]` at index `i`. */
export interface SaliencyIoUResult {
  /** The 1-based layers, in the order of the tensors' first axis. */
  layers: number[];
  /** Mean IoU per layer and head `[L,H]`. */
  perHead: Tensor;
  /** `[L]` int32: the 0-based head with the highest mean IoU (lowest index on ties); −1 when no image counted. */
  fixedHead: Tensor<Int32Array>;
  /** `[L]`: the mean IoU of that head (NaN when no image counted). */
  fixed: Tensor;
  /** `[L]`: per-image max over heads, then mean (the paper's figure). */
  oracle: Tensor;
  /** `[L]`: mean IoU of the head-merged map (sum over heads). */
  merged: Tensor;
  /** `[N,L,H]` when `keepPerImage` (NaN rows for skipped images). */
  perImage: Tensor | null;
  /** Images seen, including skipped ones. */
  images: number;
  /** Images whose ground truth was empty: skipped. */
  skipped: number;
  source: 'cls' | 'spatial';
  grid: AttentionGrid;
}

/**
 * Attention saliency IoU over a dataset (SPEC 5), every layer at once. `update` takes
 * `{ attention: Tensor[L], grid, masks }` (or a Capture with `masks` added); images with an empty
 * ground truth are skipped and counted.
 *
 * @example
 * const acc = new SaliencyIoUAccumulator({ source: 'cls' });
 * acc.update({ attention, grid, masks }); // masks [B,14,14]
 * acc.result().oracle // [L] tensor
 */
export class SaliencyIoUAccumulator extends LayeredAccumulator<SaliencyIoUAccumulatorOptions, SaliencyIoUResult> {
  private readonly source: 'cls' | 'spatial';
  private readonly mass: number;

  /** Stores the options only. @throws VitValueError on a bad `source` or `mass`. */
  constructor(options: SaliencyIoUAccumulatorOptions = {}) {
    super('SaliencyIoU', options);
    this.source = checkSource(options.source ?? 'cls', 'SaliencyIoUAccumulator');
    this.mass = checkMass(options.mass ?? 0.6, 'SaliencyIoUAccumulator');
  }

  /** Restores an accumulator from {@link toJSON} output; `options.onWarning` re-attaches the warning sink (`backend` is not used). */
  static fromJSON(json: AccumulatorJSON<unknown, unknown>, options: AccumulatorRestoreOptions = {}): SaliencyIoUAccumulator {
    const o = (json?.options ?? {}) as SaliencyIoUAccumulatorOptions;
    return new SaliencyIoUAccumulator({ ...o, ...(options.onWarning ? { onWarning: options.onWarning } : {}) }).restore(json as AccumulatorJSON<unknown, LayeredState>);
  }

  /** Adds one batch; see the class description. */
  override update(input: SaliencyBatch): this {
    return super.update(input);
  }

  protected sizes(s: LayerShape): Record<string, number> {
    return { iou: s.L * s.H, oracle: s.L, merged: s.L, counted: 1, skipped: 1 };
  }
  protected perImageWidth(s: LayerShape): number {
    return s.H;
  }
  protected keepsPerImage(): boolean {
    return this.options.keepPerImage ?? false;
  }
  protected jsonOptions(): Record<string, unknown> {
    return { source: this.source, mass: this.mass, keepPerImage: this.keepsPerImage(), rowTolerance: this.options.rowTolerance ?? 1e-3 };
  }
  protected override prepare(input: AttentionInput, B: number, s: LayerShape, fn: string): Uint8Array {
    if (this.source === 'cls') requireCls(input.grid, fn, "use source 'spatial'");
    return gtMasks((input as SaliencyBatch).masks, B, s.gh, s.gw, fn, 'masks');
  }
  protected layer(l: number, c: LayerCache, d: Record<string, Float64Array>, img: Float64Array | null, ctx: unknown): void {
    const { B, H, N } = c.v;
    let maps: Float64Array;
    if (this.source === 'spatial') maps = c.rawSpatialMaps();
    else {
      maps = new Float64Array(B * H * N);
      saliencyMapKernel(c.v, 'cls', maps, c.st);
    }
    const iou = new Float64Array(B * H);
    const merged = new Float64Array(B);
    const skipped = saliencyFromMaps(maps, ctx as Uint8Array, B, H, N, this.mass, iou, merged);
    if (img !== null) img.set(iou);
    for (let b = 0; b < B; b++) {
      if (Number.isNaN(merged[b])) continue;
      let best = -Infinity;
      for (let h = 0; h < H; h++) {
        const x = iou[b * H + h];
        d.iou[l * H + h] += x;
        if (x > best) best = x;
      }
      d.oracle[l] += best;
      d.merged[l] += merged[b];
    }
    if (l === 0) {
      d.counted[0] += B - skipped;
      d.skipped[0] += skipped;
    }
  }

  /** The IoUs so far. @throws VitValueError before the first update. */
  result(): SaliencyIoUResult {
    const s = this.requireData('result');
    const { iou, oracle, merged, counted, skipped } = this.sums;
    const c = counted[0];
    const perHead = new Float32Array(s.L * s.H);
    const fixedHead = new Int32Array(s.L).fill(-1);
    const fixed = new Float32Array(s.L).fill(NaN);
    const oracleL = new Float32Array(s.L);
    const mergedL = new Float32Array(s.L);
    for (let l = 0; l < s.L; l++) {
      for (let h = 0; h < s.H; h++) {
        const m = c > 0 ? iou[l * s.H + h] / c : NaN;
        perHead[l * s.H + h] = m;
        if (c > 0 && (fixedHead[l] < 0 || m > fixed[l])) {
          fixedHead[l] = h;
          fixed[l] = m;
        }
      }
      oracleL[l] = c > 0 ? oracle[l] / c : NaN;
      mergedL[l] = c > 0 ? merged[l] / c : NaN;
    }
    return {
      layers: Array.from({ length: s.L }, (_, l) => l + 1),
      perHead: tensor(perHead, [s.L, s.H]),
      fixedHead: tensor(fixedHead, [s.L]),
      fixed: tensor(fixed, [s.L]),
      oracle: tensor(oracleL, [s.L]),
      merged: tensor(mergedL, [s.L]),
      perImage: this.perImage ? tensor(Float32Array.from(this.perImage), [this.n, s.L, s.H]) : null,
      images: this.n,
      skipped: skipped[0],
      source: this.source,
      grid: { gh: s.gh, gw: s.gw, prefix: s.prefix },
    };
  }
}
