import { tensor, type AccumulatorJSON, type AccumulatorRestoreOptions, type Tensor } from '@vit/io';
import type { AttentionGrid } from './grid.js';
import { LayeredAccumulator, type AccumulatorCheckOptions, type LayerShape, type LayeredState } from './internal/base.js';
import { finishAligned } from './internal/finish.js';
import type { LayerCache } from './internal/cache.js';

/** Options of {@link AAAMAccumulator}. */
export interface AAAMAccumulatorOptions extends AccumulatorCheckOptions {
  /**
   * Divide each cell by the fraction of non-null queries whose window covers it (SPEC 2).
   * @default false
   */
  coverage?: boolean;
}

/** Result of {@link AAAMAccumulator}. */
export interface AAAMResult {
  /** `[L,H,2gh−1,2gw−1]`; each head sums to 1 without coverage (SPEC 2). */
  aaam: Tensor;
  /** Non-null (image, query) pairs per layer and head `[L,H]`: the divisor. */
  nonNull: Tensor;
  /** Null spatial rows (skipped) per layer and head `[L,H]`. */
  nullRows: Tensor;
  images: number;
  grid: AttentionGrid;
}

/**
 * Aligned Aggregated Attention Maps over a dataset (SPEC 2), every layer at once. `update`
 * takes `{ attention: Tensor[L], grid }` or a runtime Capture. The state keeps sums, counts and
 * per-query-position counts, so shards merge exactly and `coverage` is exact with null rows.
 *
 * @example
 * const acc = new AAAMAccumulator();
 * acc.update({ attention, grid: { gh: 14, gw: 14, prefix: 1 } });
 * const { aaam } = acc.result(); // [12,12,27,27]
 */
export class AAAMAccumulator extends LayeredAccumulator<AAAMAccumulatorOptions, AAAMResult> {
  /** Stores the options only. */
  constructor(options: AAAMAccumulatorOptions = {}) {
    super('AAAM', options);
  }

  /** Restores an accumulator from {@link toJSON} output; `options.onWarning` re-attaches the warning sink (`backend` is not used). */
  static fromJSON(json: AccumulatorJSON<unknown, unknown>, options: AccumulatorRestoreOptions = {}): AAAMAccumulator {
    const o = (json?.options ?? {}) as AAAMAccumulatorOptions;
    return new AAAMAccumulator({ ...o, ...(options.onWarning ? { onWarning: options.onWarning } : {}) }).restore(json as AccumulatorJSON<unknown, LayeredState>);
  }

  protected sizes(s: LayerShape): Record<string, number> {
    const K = s.L * s.H;
    return { sums: K * (2 * s.gh - 1) * (2 * s.gw - 1), nonNull: K, qcount: K * s.gh * s.gw };
  }
  protected perImageWidth(): number {
    return 0;
  }
  protected keepsPerImage(): boolean {
    return false;
  }
  protected jsonOptions(): Record<string, unknown> {
    return { coverage: this.options.coverage ?? false, rowTolerance: this.options.rowTolerance ?? 1e-3 };
  }
  protected layer(l: number, c: LayerCache, d: Record<string, Float64Array>): void {
    const { sums, nonNull, qcount } = c.spatial();
    d.sums.set(sums, l * sums.length);
    d.nonNull.set(nonNull, l * nonNull.length);
    d.qcount.set(qcount, l * qcount.length);
  }

  /** The AAAMs so far. @throws VitValueError before the first update. */
  result(): AAAMResult {
    const s = this.requireData('result');
    const K = s.L * s.H;
    const N = s.gh * s.gw;
    const { sums, nonNull, qcount } = this.sums;
    const aaam = finishAligned(sums, nonNull, this.options.coverage ? qcount : null, K, s.gh, s.gw);
    const nulls = new Float32Array(K);
    for (let k = 0; k < K; k++) nulls[k] = this.n * N - nonNull[k];
    return {
      aaam: tensor(aaam, [s.L, s.H, 2 * s.gh - 1, 2 * s.gw - 1]),
      nonNull: tensor(Float32Array.from(nonNull), [s.L, s.H]),
      nullRows: tensor(nulls, [s.L, s.H]),
      images: this.n,
      grid: { gh: s.gh, gw: s.gw, prefix: s.prefix },
    };
  }
}
