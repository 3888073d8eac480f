import { VitValueError, shapeText, tensor, type Tensor } from '@vit/io';

/** Options of {@link sparsePatternScore}. */
export interface SparsePatternScoreOptions {
  /**
   * Number of top cells per head; by default 5% of the grid, at least 1 (10 on 14×14).
   * @default ceil(0.05 · gh · gw)
   */
  k?: number;
}

/**
 * Sparse repeating pattern score (SPEC 7) per head: how much an average CLS map concentrates
 * on a few cells that are the same across the heads of its layer. With `p` the head's map
 * normalised to sum 1, `top` its `k` largest cells (ties by cell index), `N = gh·gw`:
 * - concentration `c = clip((Σ_{top} p − k/N) / (1 − k/N), 0, 1)` — 0 for a uniform map,
 *   1 when all mass is on `k` cells (1 when `k = N`);
 * - overlap `o = mean over the other heads h′ of the layer of |top(h) ∩ top(h′)| / k`
 *   (1 for a layer with one head);
 * - score `= c · o`, in `[0, 1]`. A head whose map is all zeros scores 0.
 *
 * @param clsMaps Average CLS maps `[L,H,gh,gw]` (e.g. the AverageCLS accumulator's `maps`).
 * @param options See {@link SparsePatternScoreOptions}.
 * @returns `[L,H]` float32.
 * @throws VitValueError when the shape is not 4-D, a value is negative or not finite, or `k`
 *   is not an integer in `[1, gh·gw]`.
 * @example
 * const score = sparsePatternScore(avgCls.result().maps); // [12,12]
 */
export function sparsePatternScore(clsMaps: Tensor, options: SparsePatternScoreOptions = {}): Tensor {
  const fn = 'sparsePatternScore';
  if (!clsMaps || !Array.isArray(clsMaps.shape) || !ArrayBuffer.isView(clsMaps.data) || clsMaps.shape.length !== 4) {
    throw new VitValueError(`\`clsMaps\` of ${fn} must be an ndarray tensor [L,H,gh,gw]. Got ${clsMaps && Array.isArray(clsMaps.shape) ? shapeText(clsMaps.shape) : typeof clsMaps}.`);
  }
  const [L, H, gh, gw] = clsMaps.shape;
  const N = gh * gw;
  const k = options.k ?? Math.max(1, Math.ceil(0.05 * N));
  if (!Number.isInteger(k) || k < 1 || k > N) throw new VitValueError(`\`k\` of ${fn} must be an integer in [1, ${N}]. Got ${k}.`);
  const src = clsMaps.data as unknown as ArrayLike<number>;
  const st = clsMaps.stride;
  const top = new Uint8Array(L * H * N);
  const conc = new Float64Array(L * H);
  const vals = new Float64Array(N);
  const order = new Int32Array(N);
  for (let l = 0; l < L; l++)
    for (let h = 0; h < H; h++) {
      let total = 0;
      for (let i = 0; i < gh; i++)
        for (let j = 0; j < gw; j++) {
          const x = Number(src[clsMaps.offset + l * st[0] + h * st[1] + i * st[2] + j * st[3]]);
          if (!Number.isFinite(x) || x < 0) throw new VitValueError(`\`clsMaps\` of ${fn} must be finite and ≥ 0. Got ${x} at layer ${l + 1}, head ${h + 1}, cell [${i},${j}].`);
          vals[i * gw + j] = x;
          total += x;
        }
      if (!(total > 0)) continue;
      for (let n = 0; n < N; n++) order[n] = n;
      // Decreasing value, ties by cell index; N is a few hundred, once per head.
      order.sort((a, b) => vals[b] - vals[a] || a - b);
      let topMass = 0;
      for (let r = 0; r < k; r++) {
        top[(l * H + h) * N + order[r]] = 1;
        topMass += vals[order[r]];
      }
      const base = k / N;
      const share = topMass / total;
      conc[l * H + h] = k === N ? 1 : Math.min(1, Math.max(0, (share - base) / (1 - base)));
    }
  const out = new Float32Array(L * H);
  for (let l = 0; l < L; l++)
    for (let h = 0; h < H; h++) {
      let overlap = 1;
      if (H > 1) {
        let s = 0;
        for (let g = 0; g < H; g++) {
          if (g === h) continue;
          let inter = 0;
          const a = (l * H + h) * N;
          const b = (l * H + g) * N;
          for (let n = 0; n < N; n++) inter += top[a + n] & top[b + n];
          s += inter / k;
        }
        overlap = s / (H - 1);
      }
      out[l * H + h] = conc[l * H + h] * overlap;
    }
  return tensor(out, [L, H]);
}
