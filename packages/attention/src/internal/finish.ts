import { coverageFraction } from './view.js';

/** Divides window sums `[K·W]` by their non-null counts (and coverage when `qcount` is given). */
export function finishAligned(
  sums: Float64Array,
  nonNull: Float64Array,
  qcount: Float64Array | null,
  K: number,
  gh: number,
  gw: number,
): Float32Array {
  const W = (2 * gh - 1) * (2 * gw - 1);
  const N = gh * gw;
  const out = new Float32Array(K * W);
  const cover = new Float64Array(W);
  for (let h = 0; h < K; h++) {
    if (nonNull[h] === 0) continue;
    const inv = 1 / nonNull[h];
    if (qcount === null) {
      for (let w = 0; w < W; w++) out[h * W + w] = sums[h * W + w] * inv;
    } else {
      coverageFraction(qcount, h * N, gh, gw, cover);
      for (let w = 0; w < W; w++) out[h * W + w] = cover[w] > 0 ? (sums[h * W + w] * inv) / cover[w] : 0;
    }
  }
  return out;
}
