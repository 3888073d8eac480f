import { spatialKernelWasm, spatialWasmAvailable } from './spatialWasm.js';
import { checkSpatialRow, closeWindow, type SpatialPass } from './spatialWindow.js';

export type { SpatialPass } from './spatialWindow.js';
import type { AttentionView, RowStats } from './view.js';

/** Which rows a CLS-map kernel averages (SPEC 1). */
export type ClsSource = 'cls' | 'spatial' | 'spatialPure';

/**
 * Adds, per head, the rows averaged by `source` into `map [H·N]`, their prefix mass into
 * `prefix [H]` and how many rows were added into `count [H]` (null rows of `spatialPure`
 * are not added). Validates every row it reads.
 */
export function clsKernel(
  v: AttentionView,
  source: ClsSource,
  map: Float64Array,
  prefix: Float64Array,
  count: Float64Array,
  st: RowStats,
): void {
  const { data, off, B, H, T, P, N } = v;
  const q0 = source === 'cls' ? 0 : P;
  const q1 = source === 'cls' ? 1 : T;
  const pure = source === 'spatialPure';
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++) {
      const m0 = h * N;
      let added = 0;
      let pm = 0;
      for (let q = q0; q < q1; q++) {
        const row = off + ((b * H + h) * T + q) * T;
        let sp = 0;
        for (let k = 0; k < P; k++) sp += data[row + k];
        let ss = 0;
        const s0 = row + P;
        for (let k = 0; k < N; k++) ss += data[s0 + k];
        const tot = sp + ss;
        if (!Number.isFinite(tot)) st.fail(v, b, h, q);
        const dev = Math.abs(tot - 1);
        if (dev > st.worst) st.note(dev, b, h, q);
        if (pure) {
          if (ss === 0) continue;
          const inv = 1 / ss;
          for (let k = 0; k < N; k++) map[m0 + k] += data[s0 + k] * inv;
        } else {
          for (let k = 0; k < N; k++) map[m0 + k] += data[s0 + k];
        }
        pm += sp;
        added++;
      }
      prefix[h] += pm;
      count[h] += added;
    }
}

/** Largest relative error of a row's provisional scale before it is corrected. */
const REL = 1e-6;

/**
 * The fused AAAM + distance kernel: for every image and head, every non-null spatial query
 * `(i,j)` adds its renormalised spatial row into a `(2gh−1)×(2gw−1)` window at top-left corner
 * `(gh−1−i, gw−1−j)` (SPEC 2). Because `d(q,k)` depends only on the offset `k − q`, the
 * image's attention distance (SPEC 4) is that window dotted with the offset-distance table
 * `dtab`, divided by the non-null count — so distance costs no second pass. Each row is
 * renormalised by its spatial sum to within a relative 1e-6 (see the loop). Validates every
 * spatial row it reads.
 */
export function spatialKernel(v: AttentionView, dtab: Float64Array, st: RowStats): SpatialPass {
  return spatialWasmAvailable() ? spatialKernelWasm(v, dtab, st) : spatialKernelTs(v, dtab, st);
}

/** The TypeScript implementation of {@link spatialKernel}: the reference the WebAssembly one matches bit for bit. */
export function spatialKernelTs(v: AttentionView, dtab: Float64Array, st: RowStats): SpatialPass {
  const { data, off, B, H, T, P, gh, gw, N } = v;
  const Ww = 2 * gw - 1;
  const W = (2 * gh - 1) * Ww;
  const pass: SpatialPass = { sums: new Float64Array(H * W), nonNull: new Float64Array(H), qcount: new Float64Array(H * N), dist: new Float64Array(B * H) };
  const qcount = pass.qcount;
  const win = new Float64Array(W);
  // Window offset of each query's top-left corner, computed once.
  const corner = new Int32Array(N);
  for (let q = 0; q < N; q++) {
    const i = (q / gw) | 0;
    corner[q] = (gh - 1 - i) * Ww + (gw - 1 - (q - i * gw));
  }
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++) {
      win.fill(0);
      let cnt = 0;
      // One read per element when rows sum to 1: add with the provisional scale 1/(1 − prefix
      // mass) while summing, then check it against the true spatial sum. A head whose rows
      // need a correction switches to sum-first (two reads, no correction) for its other rows.
      let guess = true;
      const base = off + (b * H + h) * T * T;
      for (let q = 0; q < N; q++) {
        const row = base + (P + q) * T;
        let sp = 0;
        for (let k = 0; k < P; k++) sp += data[row + k];
        const s0 = row + P;
        const rest = 1 - sp;
        let ss: number;
        let inv: number;
        if (guess && rest > 1e-3) {
          const inv0 = 1 / rest;
          let e = 0;
          let o = 0;
          let w = corner[q];
          let a = s0;
          for (let r = 0; r < gh; r++, w += Ww, a += gw) {
            let c = 0;
            for (; c + 1 < gw; c += 2) {
              const x = data[a + c];
              const y = data[a + c + 1];
              e += x;
              o += y;
              win[w + c] += x * inv0;
              win[w + c + 1] += y * inv0;
            }
            if (c < gw) {
              const x = data[a + c];
              e += x;
              win[w + c] += x * inv0;
            }
          }
          ss = e + o;
          inv = 1 / ss;
          const rel = ss * inv0 - 1;
          if ((rel > REL || rel < -REL) && ss !== 0) {
            // Correct this row to the exact scale 1/ss and stop guessing for this head.
            guess = false;
            const fix = inv - inv0;
            w = corner[q];
            a = s0;
            for (let r = 0; r < gh; r++, w += Ww, a += gw) {
              for (let c = 0; c < gw; c++) win[w + c] += data[a + c] * fix;
            }
          }
        } else {
          // Four partial sums break the add-latency chain (about 3× faster than one).
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          let s4 = 0;
          let k = 0;
          for (; k + 3 < N; k += 4) {
            s1 += data[s0 + k];
            s2 += data[s0 + k + 1];
            s3 += data[s0 + k + 2];
            s4 += data[s0 + k + 3];
          }
          for (; k < N; k++) s1 += data[s0 + k];
          ss = s1 + s2 + (s3 + s4);
          inv = 1 / ss;
          if (ss !== 0 && Number.isFinite(ss)) {
            let w = corner[q];
            let a = s0;
            for (let r = 0; r < gh; r++, w += Ww, a += gw) {
              for (let c = 0; c < gw; c++) win[w + c] += data[a + c] * inv;
            }
          }
        }
        if (!checkSpatialRow(v, st, b, h, q, sp, ss)) continue; // null row: skipped (it added only zeros) and counted
        cnt++;
        qcount[h * N + q]++;
      }
      closeWindow(pass, win, dtab, b, h, H, cnt);
    }
  return pass;
}


/**
 * Per image and head, the saliency map of SPEC 5 — the CLS row `A[0,P:]` (`source: 'cls'`)
 * or the sum of the spatial rows `A[q,P:]` (`'spatial'`) — into `maps [B·H·N]`.
 */
export function saliencyMapKernel(v: AttentionView, source: 'cls' | 'spatial', maps: Float64Array, st: RowStats): void {
  const { data, off, B, H, T, P, N } = v;
  const q0 = source === 'cls' ? 0 : P;
  const q1 = source === 'cls' ? 1 : T;
  maps.fill(0);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++) {
      const m0 = (b * H + h) * N;
      for (let q = q0; q < q1; q++) {
        const row = off + ((b * H + h) * T + q) * T;
        let sp = 0;
        for (let k = 0; k < P; k++) sp += data[row + k];
        const s0 = row + P;
        let ss = 0;
        for (let k = 0; k < N; k++) {
          const x = data[s0 + k];
          ss += x;
          maps[m0 + k] += x;
        }
        const tot = sp + ss;
        if (!Number.isFinite(tot)) st.fail(v, b, h, q);
        const dev = Math.abs(tot - 1);
        if (dev > st.worst) st.note(dev, b, h, q);
      }
    }
}
