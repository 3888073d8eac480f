import { VitValueError, resolveBackend, tensor } from '@vit/io';
import type { Data, Matrix, NumericBackend, Tensor } from '@vit/io';
import { clusterSummer, type ClusterSummer } from './internal/clusterSums.js';
import { dense2D } from './internal/dense.js';
import { Prng } from '@vit/io';
import { checkInt } from './internal/validate.js';

export interface KMeansOptions {
  /** Number of clusters, `1 ≤ k ≤ n`. @default 8 (as scikit-learn's `KMeans`) */
  k?: number;
  /** Independent k-means++ restarts; the lowest inertia wins (the first on ties). @default 10 */
  nInit?: number;
  /** Lloyd iterations per restart. @default 300 */
  maxIter?: number;
  /**
   * Stop when the total squared centre shift `Σ_c ‖c_new − c_old‖²` is at most
   * `tol × mean per-feature variance` of `X` (or when no label changes).
   * @default 1e-4
   */
  tol?: number;
  /** Seed of the PRNG of `@vit/io` (restart `r` uses its stream `kmeans/r`): the same seed gives the same result. @default 0 */
  seed?: number;
  /**
   * Start centres `[k,d]` instead of k-means++ (then a single run, `nInit` is ignored).
   * @default undefined
   */
  init?: Matrix;
  /** Where the distance products and the assignment step run. @default the default backend of `resolveBackend` (onnxruntime when installed) */
  backend?: NumericBackend;
}

export interface KMeansResult {
  /** Cluster of every row, `[n]`, values in `[0, k)`. */
  labels: Int32Array;
  /** `[k,d]` cluster centres (means of their members). */
  centroids: Matrix;
  /** Sum of squared distances of rows to their centre (float64). */
  inertia: number;
  /** Lloyd iterations of the winning run. */
  iterations: number;
}

/**
 * k-means (SPEC 9): greedy k-means++ initialisation (`2 + ⌊ln k⌋` candidates per step, the
 * one lowering the potential most is kept), Lloyd iterations up to `maxIter`, stop on a
 * centre shift ≤ `tol × mean per-feature variance` or unchanged labels, best of `nInit`
 * runs by inertia, seeded RNG. A cluster that becomes empty is re-seeded with the point
 * farthest from its own centre (then the next farthest, …). Data is centred internally
 * for precision; centroids are returned in the original coordinates.
 *
 * The assignment step is `backend.nearest`, the k-means++ distances `backend.matmul`; the
 * centroid update is a float64 loop over the typed arrays.
 *
 * @param X `[n,d]` float32 features (rows = samples).
 * @param options `k` (8), restarts, iterations, tolerance, seed, start centres, backend.
 * @returns labels, centroids `[k,d]`, inertia, iterations.
 * @throws VitValueError when `X` is not `[n,d]`, holds NaN/Inf (naming the row), `k` is not
 * an integer in `[1, n]`, or `init` is not `[k,d]`.
 * @example
 * const { labels } = await kmeans(feats, { k: 50, seed: 0 });
 * const p = purity(truth, labels);
 */
export async function kmeans(X: Tensor<Data>, options: KMeansOptions = {}): Promise<KMeansResult> {
  const fn = 'kmeans';
  const x = dense2D(X, 'X', fn);
  const { rows: n, cols: dim } = x;
  if (n === 0) throw new VitValueError('`X` of kmeans must have at least one row. Got 0.');
  const k = options.k ?? 8;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) throw new VitValueError(`\`k\` of kmeans must be a positive integer. Got ${k}.`);
  if (k > n) throw new VitValueError(`\`k\` of kmeans must be at most the number of rows n = ${n}. Got k = ${k}.`, { code: 'VIT_K_TOO_LARGE' });
  const nInit = options.init ? 1 : checkInt(options.nInit ?? 10, 'nInit', fn, 1);
  const maxIter = checkInt(options.maxIter ?? 300, 'maxIter', fn, 1);
  const tol = options.tol ?? 1e-4;
  if (typeof tol !== 'number' || !(tol >= 0)) throw new VitValueError(`\`tol\` of kmeans must be a number ≥ 0. Got ${tol}.`);
  const seed = options.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new VitValueError(`\`seed\` of kmeans must be a finite number. Got ${seed}.`);
  const backend = await resolveBackend(options.backend);

  // Centre the data (float64 means): distances via ‖x‖²+‖c‖²−2x·c lose less precision.
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j] += x.d[i * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= n;
  const xc = new Float32Array(n * dim);
  let varSum = 0;
  for (let i = 0; i < n; i++) {
    const o = i * dim;
    for (let j = 0; j < dim; j++) {
      const v = x.d[o + j] - mean[j];
      xc[o + j] = v;
      varSum += v * v;
    }
  }
  const tolAbs = tol * (varSum / n / dim);
  const Xm = tensor(xc, [n, dim]);
  const xsq = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += xc[i * dim + j] * xc[i * dim + j];
    xsq[i] = s;
  }

  let initCentres: Float32Array | null = null;
  if (options.init) {
    const c = dense2D(options.init, 'init', fn);
    if (c.rows !== k || c.cols !== dim) {
      throw new VitValueError(`\`init\` of kmeans must have shape [k,d] = [${k},${dim}]. Got [${c.rows},${c.cols}].`);
    }
    initCentres = new Float32Array(k * dim);
    for (let i = 0; i < k; i++) for (let j = 0; j < dim; j++) initCentres[i * dim + j] = c.d[i * dim + j] - mean[j];
  }

  let best: { labels: Int32Array; centres: Float32Array; inertia: number; iterations: number } | null = null;
  const sums = clusterSummer(xc, n, dim, k); // the restarts share the points (copied into the kernel once)
  try {
    for (let run = 0; run < nInit; run++) {
      const runRng = new Prng(seed, `kmeans/${run}`);
      const centres = initCentres ? initCentres.slice() : await kmeansPlusPlus(Xm, xc, xsq, n, dim, k, runRng, backend);
      const r = await lloyd(Xm, xc, n, dim, k, centres, maxIter, tolAbs, backend, sums);
      if (!best || r.inertia < best.inertia) best = r;
    }
  } finally {
    sums.release();
  }
  const b = best!;
  const centroids = new Float32Array(k * dim);
  for (let c = 0; c < k; c++) for (let j = 0; j < dim; j++) centroids[c * dim + j] = b.centres[c * dim + j] + mean[j];
  return { labels: b.labels, centroids: tensor(centroids, [k, dim]), inertia: b.inertia, iterations: b.iterations };
}

/** Greedy k-means++: each new centre is the best of `2 + ⌊ln k⌋` D²-sampled candidates. */
async function kmeansPlusPlus(
  Xm: Matrix,
  xc: Float32Array,
  xsq: Float64Array,
  n: number,
  dim: number,
  k: number,
  rng: Prng,
  backend: NumericBackend,
): Promise<Float32Array> {
  const trials = 2 + Math.floor(Math.log(k));
  const centres = new Float32Array(k * dim);
  const first = rng.int(n);
  centres.set(xc.subarray(first * dim, (first + 1) * dim), 0);
  const closest = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) {
      const dlt = xc[i * dim + j] - xc[first * dim + j];
      s += dlt * dlt;
    }
    closest[i] = s;
  }
  let pot = 0;
  for (let i = 0; i < n; i++) pot += closest[i];
  const cum = new Float64Array(n);
  const cand = new Int32Array(trials);
  const candData = new Float32Array(trials * dim);
  const nd = new Float64Array(n * trials);
  for (let c = 1; c < k; c++) {
    let acc = 0;
    for (let i = 0; i < n; i++) cum[i] = acc += closest[i];
    for (let t = 0; t < trials; t++) {
      const r = rng.uniform() * pot;
      // first index with cum ≥ r (binary search); clipped to n − 1
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cum[mid] < r) lo = mid + 1;
        else hi = mid;
      }
      cand[t] = lo;
      candData.set(xc.subarray(lo * dim, (lo + 1) * dim), t * dim);
    }
    const dots = (await backend.matmul(Xm, tensor(candData, [trials, dim]), { transB: true })).data;
    const csq = new Float64Array(trials);
    for (let t = 0; t < trials; t++) csq[t] = xsq[cand[t]];
    let bestT = 0;
    let bestPot = Infinity;
    for (let t = 0; t < trials; t++) {
      let p = 0;
      for (let i = 0; i < n; i++) {
        const dist = Math.max(0, xsq[i] + csq[t] - 2 * dots[i * trials + t]);
        const v = dist < closest[i] ? dist : closest[i];
        nd[t * n + i] = v;
        p += v;
      }
      if (p < bestPot) {
        bestPot = p;
        bestT = t;
      }
    }
    for (let i = 0; i < n; i++) closest[i] = nd[bestT * n + i];
    pot = bestPot;
    centres.set(candData.subarray(bestT * dim, (bestT + 1) * dim), c * dim);
  }
  return centres;
}

async function lloyd(
  Xm: Matrix,
  xc: Float32Array,
  n: number,
  dim: number,
  k: number,
  centres: Float32Array,
  maxIter: number,
  tolAbs: number,
  backend: NumericBackend,
  clusterSums: ClusterSummer,
): Promise<{ labels: Int32Array; centres: Float32Array; inertia: number; iterations: number }> {
  let labels: Int32Array = new Int32Array(n).fill(-1);
  const counts = new Int32Array(k);
  let iterations = 0;
  let strict = false;
  for (let it = 0; it < maxIter; it++) {
    iterations = it + 1;
    const near = await backend.nearest(Xm, tensor(centres, [k, dim]));
    const lab = near.index;
    const sums = clusterSums.sum(lab);
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[lab[i]]++;
    relocateEmpty(xc, dim, k, lab, near.distance, sums, counts);
    let shift = 0;
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) continue; // only when every point is a duplicate of its centre
      const inv = 1 / counts[c];
      const o = c * dim;
      for (let j = 0; j < dim; j++) {
        const v = Math.fround(sums[o + j] * inv);
        const dlt = v - centres[o + j];
        shift += dlt * dlt;
        centres[o + j] = v;
      }
    }
    let same = true;
    for (let i = 0; i < n; i++) {
      if (lab[i] !== labels[i]) {
        same = false;
        break;
      }
    }
    labels = lab;
    if (same) {
      strict = true;
      break;
    }
    if (shift <= tolAbs) break;
  }
  // Labels must match the final centres: one more assignment unless labels had settled.
  if (!strict) labels = (await backend.nearest(Xm, tensor(centres, [k, dim]))).index;
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    const co = labels[i] * dim;
    const xo = i * dim;
    let s = 0;
    for (let j = 0; j < dim; j++) {
      const dlt = xc[xo + j] - centres[co + j];
      s += dlt * dlt;
    }
    inertia += s;
  }
  return { labels, centres, inertia, iterations };
}

/**
 * Give every empty cluster the point farthest from its own centre (distinct points, farthest
 * first, ties to the lower index), taking it out of its old cluster's sums. A point is never
 * taken from a cluster it is the only member of.
 */
function relocateEmpty(
  xc: Float32Array,
  dim: number,
  k: number,
  labels: Int32Array,
  dist: Float32Array,
  sums: Float64Array,
  counts: Int32Array,
): void {
  const empty: number[] = [];
  for (let c = 0; c < k; c++) if (counts[c] === 0) empty.push(c);
  if (empty.length === 0) return;
  const order = Array.from({ length: labels.length }, (_, i) => i).sort((a, b) => dist[b] - dist[a] || a - b);
  let next = 0;
  for (const e of empty) {
    while (next < order.length && counts[labels[order[next]]] <= 1) next++;
    if (next >= order.length) break;
    const p = order[next++];
    const old = labels[p];
    counts[old]--;
    for (let j = 0; j < dim; j++) sums[old * dim + j] -= xc[p * dim + j];
    counts[e] = 1;
    for (let j = 0; j < dim; j++) sums[e * dim + j] = xc[p * dim + j];
    labels[p] = e;
  }
}
