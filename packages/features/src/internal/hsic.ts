/**
 * The unbiased HSIC₁ of SPEC 8 on small per-minibatch kernels, and a plain-TypeScript Gram
 * kernel for the synchronous accumulator path. Everything is accumulated in float64.
 */

/** A minibatch kernel ready for HSIC₁: `K` with zero diagonal, its row sums and total. */
export interface PreparedKernel {
  n: number;
  /** `[n*n]` row-major, diagonal 0. */
  k: Float64Array;
  /** Row sums `K·1`. */
  r: Float64Array;
  /** `1ᵀK1`. */
  s: number;
  /** `‖K‖²_F / (n(n−3))`: the scale HSIC₁(K,K) is compared with to call a kernel degenerate. */
  scale: number;
}

/**
 * `K = XXᵀ` (given as `gram`, any float array `[n*n]`), optionally rescaled to [0,1] by its
 * min and max over all n² entries (the public code's choice, `reference: true`), then the
 * diagonal set to 0. A constant `K` rescales to all zeros.
 */
export function prepareKernel(gram: ArrayLike<number>, n: number, reference: boolean): PreparedKernel {
  const k = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) k[i] = gram[i];
  if (reference) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n * n; i++) {
      if (k[i] < lo) lo = k[i];
      if (k[i] > hi) hi = k[i];
    }
    const span = hi - lo;
    for (let i = 0; i < n * n; i++) k[i] = span > 0 ? (k[i] - lo) / span : 0;
  }
  for (let i = 0; i < n; i++) k[i * n + i] = 0;
  const r = new Float64Array(n);
  let s = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    let acc = 0;
    for (let j = 0; j < n; j++) {
      const v = k[i * n + j];
      acc += v;
      sq += v * v;
    }
    r[i] = acc;
    s += acc;
  }
  return { n, k, r, s, scale: sq / (n * (n - 3)) };
}

/**
 * `HSIC₁(K,L) = [tr(KL) + (1ᵀK1)(1ᵀL1)/((n−1)(n−2)) − (2/(n−2))·1ᵀKL1] / (n(n−3))`
 * for symmetric zero-diagonal K, L (so tr(KL) = Σ K∘L and 1ᵀKL1 = (K1)·(L1)).
 */
export function hsic1(K: PreparedKernel, L: PreparedKernel): number {
  const n = K.n;
  let tr = 0;
  for (let i = 0; i < n * n; i++) tr += K.k[i] * L.k[i];
  let kl1 = 0;
  for (let i = 0; i < n; i++) kl1 += K.r[i] * L.r[i];
  return (tr + (K.s * L.s) / ((n - 1) * (n - 2)) - (2 / (n - 2)) * kl1) / (n * (n - 3));
}

/**
 * Gram matrix `[n,n]` of `n` rows of length `len` starting at `offsets[i]` in `data`, float64
 * accumulation. Rows are combined in 4×4 tiles (8 loads feed 16 products), upper tiles only.
 */
export function gramRows(data: Float32Array, offsets: readonly number[], len: number): Float64Array {
  const n = offsets.length;
  const g = new Float64Array(n * n);
  const full = n - (n % 4);
  for (let i0 = 0; i0 < full; i0 += 4) for (let j0 = i0; j0 < full; j0 += 4) tile4(data, offsets, i0, j0, len, g, n);
  for (let i = 0; i < n; i++) {
    for (let j = Math.max(i, full); j < n; j++) {
      const oi = offsets[i];
      const oj = offsets[j];
      let s = 0;
      for (let c = 0; c < len; c++) s += data[oi + c] * data[oj + c];
      g[i * n + j] = s;
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) g[i * n + j] = g[j * n + i];
  return g;
}

function tile4(data: Float32Array, off: readonly number[], i0: number, j0: number, len: number, g: Float64Array, n: number): void {
  const a0 = off[i0], a1 = off[i0 + 1], a2 = off[i0 + 2], a3 = off[i0 + 3];
  const b0 = off[j0], b1 = off[j0 + 1], b2 = off[j0 + 2], b3 = off[j0 + 3];
  let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
  let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
  for (let c = 0; c < len; c++) {
    const x0 = data[a0 + c], x1 = data[a1 + c], x2 = data[a2 + c], x3 = data[a3 + c];
    const y0 = data[b0 + c], y1 = data[b1 + c], y2 = data[b2 + c], y3 = data[b3 + c];
    s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
    s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
    s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
    s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
  }
  const r0 = i0 * n + j0, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
  g[r0] = s00; g[r0 + 1] = s01; g[r0 + 2] = s02; g[r0 + 3] = s03;
  g[r1] = s10; g[r1 + 1] = s11; g[r1 + 2] = s12; g[r1 + 3] = s13;
  g[r2] = s20; g[r2 + 1] = s21; g[r2 + 2] = s22; g[r2 + 3] = s23;
  g[r3] = s30; g[r3 + 1] = s31; g[r3 + 2] = s32; g[r3 + 3] = s33;
}

/** Running sums behind `CKA = mean_b HSIC₁(K,L) / sqrt(mean_b HSIC₁(K,K) · mean_b HSIC₁(L,L))`. */
export interface HsicSums {
  /** `[LA*LB]` Σ_b HSIC₁(K_a, L_b). */
  kl: Float64Array;
  /** `[LA]` Σ_b HSIC₁(K_a, K_a). */
  kk: Float64Array;
  /** `[LB]` Σ_b HSIC₁(L_b, L_b). */
  ll: Float64Array;
  /** `[LA]`, `[LB]`: Σ_b scale, to tell a degenerate (constant) layer from a real one. */
  kScale: Float64Array;
  lScale: Float64Array;
  /** Number of minibatches seen. */
  batches: number;
}

export function emptySums(la: number, lb: number): HsicSums {
  return {
    kl: new Float64Array(la * lb),
    kk: new Float64Array(la),
    ll: new Float64Array(lb),
    kScale: new Float64Array(la),
    lScale: new Float64Array(lb),
    batches: 0,
  };
}

/** Add one minibatch: kernels of every layer of model A and of model B (B may be A itself). */
export function addMinibatch(sums: HsicSums, ka: PreparedKernel[], kb: PreparedKernel[]): void {
  const lb = kb.length;
  const hkk = ka.map((k) => hsic1(k, k));
  const hll = kb === ka ? hkk : kb.map((k) => hsic1(k, k));
  for (let a = 0; a < ka.length; a++) {
    sums.kk[a] += hkk[a];
    sums.kScale[a] += ka[a].scale;
    for (let b = 0; b < lb; b++) {
      sums.kl[a * lb + b] += kb === ka && a === b ? hkk[a] : hsic1(ka[a], kb[b]);
    }
  }
  for (let b = 0; b < lb; b++) {
    sums.ll[b] += hll[b];
    sums.lScale[b] += kb[b].scale;
  }
  sums.batches++;
}

/** Relative threshold under which mean HSIC₁(K,K) counts as zero (constant features). */
export const DEGENERATE_REL = 1e-9;

/**
 * CKA matrix `[LA*LB]` from the sums; `NaN` where a layer is degenerate. Returns the list of
 * degenerate layers too, so callers can throw with their names.
 */
export function ckaFromSums(sums: HsicSums): { values: Float64Array; badA: number[]; badB: number[] } {
  const la = sums.kk.length;
  const lb = sums.ll.length;
  const badA: number[] = [];
  const badB: number[] = [];
  for (let a = 0; a < la; a++) if (!(sums.kk[a] > DEGENERATE_REL * sums.kScale[a])) badA.push(a);
  for (let b = 0; b < lb; b++) if (!(sums.ll[b] > DEGENERATE_REL * sums.lScale[b])) badB.push(b);
  const values = new Float64Array(la * lb);
  for (let a = 0; a < la; a++) {
    for (let b = 0; b < lb; b++) {
      values[a * lb + b] = badA.includes(a) || badB.includes(b) ? NaN : sums.kl[a * lb + b] / Math.sqrt(sums.kk[a] * sums.ll[b]);
    }
  }
  return { values, badA, badB };
}
