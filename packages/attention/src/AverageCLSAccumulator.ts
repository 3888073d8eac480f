import { tensor, type AccumulatorJSON, type AccumulatorRestoreOptions, type Tensor } from '@vit/io';
import type { AttentionGrid } from './grid.js';
import { LayeredAccumulator, type AccumulatorCheckOptions, type AttentionInput, type LayerShape, type LayeredState } from './internal/base.js';
import { clsKernel, type ClsSource } from './internal/kernels.js';
import { checkClsSource } from './internal/options.js';
import type { LayerCache } from './internal/cache.js';
import { requireCls } from './internal/view.js';

/** Options of {@link AverageCLSAccumulator}. */
export interface AverageCLSAccumulatorOptions extends AccumulatorCheckOptions {
  /**
   * Which rows are averaged: see {@link ClsAttentionOptions.source}.
   * @default 'cls'
   */
  source?: ClsSource;
}

/** Result of {@link AverageCLSAccumulator}. */
export interface AverageCLSResult {
  /** Average maps `[L,H,gh,gw]` (SPEC 1), layer `l+1` at index `l`. */
  maps: Tensor;
  /** Mean mass the averaged rows put on the prefix tokens, `[L,H]`; `maps` sum + this = 1. */
  prefixMass: Tensor;
  /** Rows averaged per layer and head `[L,H]` (for `spatialPure`, the non-null rows). */
  rows: Tensor;
  source: ClsSource;
  images: number;
  grid: AttentionGrid;
}

/**
 * Average CLS attention maps over a dataset (SPEC 1), every layer at once. `update` takes
 * `{ attention: Tensor[L], grid }` (one `[B,H,T,T]` per layer) or a runtime Capture.
 *
 * @example
 * const acc = new AverageCLSAccumulator();
 * for await (const capture of captures) acc.update(capture);
 * const { maps, prefixMass } = acc.result(); // [12,12,14,14], [12,12]
 */
export class AverageCLSAccumulator extends LayeredAccumulator<AverageCLSAccumulatorOptions, AverageCLSResult> {
  private readonly source: ClsSource;

  /** Stores the options only. @throws VitValueError on an unknown `source`. */
  constructor(options: AverageCLSAccumulatorOptions = {}) {
    super('AverageCLS', options);
    this.source = checkClsSource(options.source ?? 'cls', 'AverageCLSAccumulator');
  }

  /** Restores an accumulator from {@link toJSON} output; `options.onWarning` re-attaches the warning sink (`backend` is not used). */
  static fromJSON(json: AccumulatorJSON<unknown, unknown>, options: AccumulatorRestoreOptions = {}): AverageCLSAccumulator {
    const o = (json?.options ?? {}) as AverageCLSAccumulatorOptions;
    return new AverageCLSAccumulator({ ...o, ...(options.onWarning ? { onWarning: options.onWarning } : {}) }).restore(json as AccumulatorJSON<unknown, LayeredState>);
  }

  protected sizes(s: LayerShape): Record<string, number> {
    return { map: s.L * s.H * s.gh * s.gw, prefix: s.L * s.H, count: s.L * s.H };
  }
  protected perImageWidth(): number {
    return 0;
  }
  protected keepsPerImage(): boolean {
    return false;
  }
  protected jsonOptions(): Record<string, unknown> {
    return { source: this.source, rowTolerance: this.options.rowTolerance ?? 1e-3 };
  }
  protected override prepare(input: AttentionInput, _B: number, s: LayerShape, fn: string): undefined {
    if (this.source === 'cls') requireCls(input.grid, fn, "use source 'spatial' or 'spatialPure'");
    return undefined;
  }
  protected layer(l: number, c: LayerCache, d: Record<string, Float64Array>): void {
    const { v } = c;
    const H = v.H;
    const N = v.N;
    clsKernel(v, this.source, d.map.subarray(l * H * N, (l + 1) * H * N), d.prefix.subarray(l * H, (l + 1) * H), d.count.subarray(l * H, (l + 1) * H), c.st);
  }

  /** The averages so far. @throws VitValueError before the first update. */
  result(): AverageCLSResult {
    const s = this.requireData('result');
    const N = s.gh * s.gw;
    const K = s.L * s.H;
    const maps = new Float32Array(K * N);
    const prefixMass = new Float32Array(K);
    const { map, prefix, count } = this.sums;
    for (let k = 0; k < K; k++) {
      const inv = count[k] > 0 ? 1 / count[k] : 0;
      for (let n = 0; n < N; n++) maps[k * N + n] = map[k * N + n] * inv;
      prefixMass[k] = prefix[k] * inv;
    }
    return {
      maps: tensor(maps, [s.L, s.H, s.gh, s.gw]),
      prefixMass: tensor(prefixMass, [s.L, s.H]),
      rows: tensor(Float32Array.from(count), [s.L, s.H]),
      source: this.source,
      images: this.n,
      grid: { gh: s.gh, gw: s.gw, prefix: s.prefix },
    };
  }
}
