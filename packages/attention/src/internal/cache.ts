import { saliencyMapKernel, spatialKernel, type SpatialPass } from './kernels.js';
import { distanceTable, type AttentionView, type RowStats } from './view.js';

const tables = new Map<string, Float64Array>();

/** The offset-distance table of a grid, built once per grid size. */
export function cachedDistanceTable(gh: number, gw: number): Float64Array {
  const key = `${gh}x${gw}`;
  let t = tables.get(key);
  if (t === undefined) {
    if (tables.size > 32) tables.clear();
    t = distanceTable(gh, gw);
    tables.set(key, t);
  }
  return t;
}

/**
 * One validated layer of one batch, with its passes over the data computed lazily and at most
 * once, so several analyses of the same batch (AttentionSuiteAccumulator) share them.
 */
export class LayerCache {
  private sp: SpatialPass | null = null;
  private raw: Float64Array | null = null;

  constructor(
    readonly v: AttentionView,
    readonly st: RowStats,
    /** 1-based layer number for messages. */
    readonly layer: number,
  ) {}

  /** The fused AAAM + distance pass (SPEC 2, 4). */
  spatial(): SpatialPass {
    if (this.sp === null) {
      this.st.layer = this.layer;
      this.sp = spatialKernel(this.v, cachedDistanceTable(this.v.gh, this.v.gw), this.st);
    }
    return this.sp;
  }

  /** Validates the prefix rows (CLS, registers) the spatial pass does not read. */
  checkPrefixRows(): void {
    const { data, off, B, H, T, P } = this.v;
    this.st.layer = this.layer;
    for (let b = 0; b < B; b++)
      for (let h = 0; h < H; h++)
        for (let q = 0; q < P; q++) {
          const row = off + ((b * H + h) * T + q) * T;
          let s = 0;
          for (let k = 0; k < T; k++) s += data[row + k];
          if (!Number.isFinite(s)) this.st.fail(this.v, b, h, q);
          const dev = Math.abs(s - 1);
          if (dev > this.st.worst) this.st.note(dev, b, h, q);
        }
  }

  /** Per image and head, the sum of the raw spatial rows `Σ_q A[q,P:]`, `[B·H·N]`. */
  rawSpatialMaps(): Float64Array {
    if (this.raw === null) {
      this.st.layer = this.layer;
      this.raw = new Float64Array(this.v.B * this.v.H * this.v.N);
      saliencyMapKernel(this.v, 'spatial', this.raw, this.st);
    }
    return this.raw;
  }
}
