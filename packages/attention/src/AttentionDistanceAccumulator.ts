import { tensor, type AccumulatorJSON, type AccumulatorRestoreOptions, type Tensor } from '@vit/io';
import type { AttentionGrid } from './grid.js';
import { LayeredAccumulator, type AccumulatorCheckOptions, type LayerShape, type LayeredState } from './internal/base.js';
import type { LayerCache } from './internal/cache.js';

/** Options of {@link AttentionDistanceAccumulator}. */
export interface AttentionDistanceAccumulatorOptions extends AccumulatorCheckOptions {
  /**
   * Keep every image's `[L,H]` values (`perImage [N,L,H]` in the result; merge appends the
   * other shard's images after this one's).
   * @default false
   */
  keepPerImage?: boolean;
}

/** Result of {@link AttentionDistanceAccumulator}. */
export interface AttentionDistanceResult {
  /** Mean over images of the per-image distance, `[L,H]` (unit-square units, SPEC 4). */
  perHead: Tensor;
  /** The 1-based layers, in the order of the tensors' first axis. */
  layers: number[];
  /** `[L]`: mean over heads of `perHead` (layer `layers[i]` at index `i`). */
  perLayer: Tensor;
  /** `[N,L,H]` per image when `keepPerImage`; NaN where all of a head's queries were null. */
  perImage: Tensor | null;
  /** Null spatial rows (skipped) per layer and head `[L,H]`. */
  nullRows: Tensor;
  images: number;
  grid: AttentionGrid;
}

/**
 * Average attention distance over a dataset (SPEC 4), every layer at once. `update` takes
 * `{ attention: Tensor[L], grid }` or a runtime Capture.
 *
 * @example
 * const acc = new AttentionDistanceAccumulator({ keepPerImage: true });
 * acc.update(capture);
 * acc.result().perLayer // [L] tensor, e.g. [0.41, 0.38, …]
 */
export class AttentionDistanceAccumulator extends LayeredAccumulator<AttentionDistanceAccumulatorOptions, AttentionDistanceResult> {
  /** Stores the options only. */
  constructor(options: AttentionDistanceAccumulatorOptions = {}) {
    super('AttentionDistance', options);
  }

  /** Restores an accumulator from {@link toJSON} output; `options.onWarning` re-attaches the warning sink (`backend` is not used). */
  static fromJSON(json: AccumulatorJSON<unknown, unknown>, options: AccumulatorRestoreOptions = {}): AttentionDistanceAccumulator {
    const o = (json?.options ?? {}) as AttentionDistanceAccumulatorOptions;
    return new AttentionDistanceAccumulator({ ...o, ...(options.onWarning ? { onWarning: options.onWarning } : {}) }).restore(json as AccumulatorJSON<unknown, LayeredState>);
  }

  protected sizes(s: LayerShape): Record<string, number> {
    const K = s.L * s.H;
    return { sum: K, count: K, nulls: K };
  }
  protected perImageWidth(s: LayerShape): number {
    return s.H;
  }
  protected keepsPerImage(): boolean {
    return this.options.keepPerImage ?? false;
  }
  protected jsonOptions(): Record<string, unknown> {
    return { keepPerImage: this.keepsPerImage(), rowTolerance: this.options.rowTolerance ?? 1e-3 };
  }
  protected layer(l: number, c: LayerCache, d: Record<string, Float64Array>, img: Float64Array | null): void {
    const { v } = c;
    const H = v.H;
    const { dist: out, nonNull } = c.spatial();
    for (let h = 0; h < H; h++) d.nulls[l * H + h] += v.B * v.N - nonNull[h];
    for (let b = 0; b < v.B; b++)
      for (let h = 0; h < H; h++) {
        const x = out[b * H + h];
        if (img !== null) img[b * H + h] = x;
        if (Number.isNaN(x)) continue;
        d.sum[l * H + h] += x;
        d.count[l * H + h]++;
      }
  }

  /** The distances so far. @throws VitValueError before the first update. */
  result(): AttentionDistanceResult {
    const s = this.requireData('result');
    const K = s.L * s.H;
    const { sum, count, nulls } = this.sums;
    const perHead = new Float32Array(K);
    for (let k = 0; k < K; k++) perHead[k] = count[k] > 0 ? sum[k] / count[k] : NaN;
    const perLayer = new Float32Array(s.L);
    for (let l = 0; l < s.L; l++) {
      let m = 0;
      for (let h = 0; h < s.H; h++) m += perHead[l * s.H + h];
      perLayer[l] = m / s.H;
    }
    return {
      layers: Array.from({ length: s.L }, (_, l) => l + 1),
      perHead: tensor(perHead, [s.L, s.H]),
      perLayer: tensor(perLayer, [s.L]),
      perImage: this.perImage ? tensor(Float32Array.from(this.perImage), [this.n, s.L, s.H]) : null,
      nullRows: tensor(Float32Array.from(nulls), [s.L, s.H]),
      images: this.n,
      grid: { gh: s.gh, gw: s.gw, prefix: s.prefix },
    };
  }
}
