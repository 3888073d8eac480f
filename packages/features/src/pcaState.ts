// Internal helpers of pca, PCAAccumulator and pcaProject (not exported from the package).
import { VitValueError, tensor, type NumericBackend, type Tensor } from '@vit/io';
import { topEigen } from './internal/topEigen.js';

/** Running statistics of a set of rows: count, mean and centred scatter `Σ (x−μ)(x−μ)ᵀ` (float64). */
export interface PcaStats {
  n: number;
  dim: number;
  mean: Float64Array;
  scatter: Float64Array;
}

/** Rows of `[N,D]` (or `[…,D]`, every leading axis flattened) as one dense float32 array. */
export function pcaRows(x: Tensor, name: string, fn: string): { d: Float32Array; n: number; dim: number } {
  if (!x || !Array.isArray(x.shape) || x.shape.length < 2 || !ArrayBuffer.isView(x.data)) {
    throw new VitValueError(`\`${name}\` of ${fn} must be a tensor [N,D] (or [B,T,D]). Got ${x && Array.isArray(x.shape) ? `shape [${x.shape.join(',')}]` : typeof x}.`, { code: 'VIT_SHAPE' });
  }
  const dim = x.shape[x.shape.length - 1];
  const n = x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  if (n === 0 || dim === 0) throw new VitValueError(`\`${name}\` of ${fn} is empty (shape [${x.shape.join(',')}]); pass at least one row.`, { code: 'VIT_EMPTY' });
  const d = new Float32Array(n * dim);
  const src = x.data as unknown as ArrayLike<number>;
  const rank = x.shape.length;
  const step = x.stride[rank - 1];
  const bulk = src instanceof Float32Array && (step === 1 || dim === 1);
  const idx = new Array<number>(rank - 1).fill(0);
  // Row by row in logical order (any strides); a unit-stride row is one bulk copy.
  for (let i = 0; i < n; i++) {
    let o = x.offset;
    for (let a = 0; a < rank - 1; a++) o += idx[a] * x.stride[a];
    if (bulk) d.set((src as Float32Array).subarray(o, o + dim), i * dim);
    else for (let j = 0; j < dim; j++) d[i * dim + j] = src[o + j * step];
    for (let a = rank - 2; a >= 0; a--) {
      if (++idx[a] < x.shape[a]) break;
      idx[a] = 0;
    }
  }
  assertFiniteRows(d, dim, name, fn);
  return { d, n, dim };
}

/** Throws naming the first non-finite value's row and column. */
function assertFiniteRows(d: Float32Array, dim: number, name: string, fn: string): void {
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (v - v !== 0) {
      throw new VitValueError(`\`${name}\` of ${fn} holds a non-finite value (${v}) at row ${Math.floor(i / dim)}, column ${i % dim}; remove or fix that row.`, { code: 'VIT_NON_FINITE' });
    }
  }
}

/** Centre rows in place around their float64 mean; returns the mean. */
export function pcaCentre(d: Float32Array, n: number, dim: number): Float64Array {
  const mean = new Float64Array(dim);
  for (let i = 0, o = 0; i < n; i++, o += dim) for (let j = 0; j < dim; j++) mean[j] += d[o + j];
  for (let j = 0; j < dim; j++) mean[j] /= n;
  for (let i = 0, o = 0; i < n; i++, o += dim) for (let j = 0; j < dim; j++) d[o + j] -= mean[j];
  return mean;
}

/** `Xcᵀ Xc` of centred rows, in TypeScript (float64 accumulation). */
export function pcaScatterSync(c: Float32Array, n: number, dim: number): Float64Array {
  const s = new Float64Array(dim * dim);
  for (let i = 0; i < n; i++) {
    const o = i * dim;
    for (let a = 0; a < dim; a++) {
      const va = c[o + a];
      if (va === 0) continue;
      const so = a * dim;
      for (let b = a; b < dim; b++) s[so + b] += va * c[o + b];
    }
  }
  for (let a = 0; a < dim; a++) for (let b = 0; b < a; b++) s[a * dim + b] = s[b * dim + a];
  return s;
}

/** `Xcᵀ Xc` of centred rows through a numeric backend (`matmul` with `transA`). */
export async function pcaScatterBackend(c: Float32Array, n: number, dim: number, backend: NumericBackend): Promise<Float64Array> {
  const m = tensor(c, [n, dim]);
  const p = await backend.matmul(m, m, { transA: true });
  const s = new Float64Array(dim * dim);
  const pd = p.data;
  // Symmetrise (float32 kernels may differ in the last bit between (a,b) and (b,a)).
  for (let a = 0; a < dim; a++) for (let b = 0; b < dim; b++) s[a * dim + b] = 0.5 * (pd[p.offset + a * p.stride[0] + b * p.stride[1]] + pd[p.offset + b * p.stride[0] + a * p.stride[1]]);
  return s;
}

/** Chan et al.'s pairwise update: the statistics of the union of two row sets. */
export function pcaMergeStats(a: PcaStats, b: PcaStats): PcaStats {
  if (a.n === 0) return { n: b.n, dim: b.dim, mean: b.mean.slice(), scatter: b.scatter.slice() };
  if (b.n === 0) return { n: a.n, dim: a.dim, mean: a.mean.slice(), scatter: a.scatter.slice() };
  const n = a.n + b.n;
  const dim = a.dim;
  const delta = new Float64Array(dim);
  const mean = new Float64Array(dim);
  for (let j = 0; j < dim; j++) {
    delta[j] = b.mean[j] - a.mean[j];
    mean[j] = a.mean[j] + (delta[j] * b.n) / n;
  }
  const w = (a.n * b.n) / n;
  const scatter = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) scatter[i * dim + j] = a.scatter[i * dim + j] + b.scatter[i * dim + j] + w * delta[i] * delta[j];
  return { n, dim, mean, scatter };
}

/** Result of a principal component analysis (see {@link pca}). */
export interface PCAModel {
  /** Principal axes `[k,D]`, unit length, by decreasing variance; each axis's largest-magnitude entry is positive. */
  components: Tensor;
  /** Variance along each axis `[k]` (covariance eigenvalues, denominator `N − 1`). */
  explainedVariance: Tensor;
  /** Share of the total variance along each axis `[k]`. */
  explainedVarianceRatio: Tensor;
  /** The mean row `[D]` subtracted before projecting. */
  mean: Tensor;
  /** Rows the model was fitted on. */
  samples: number;
}

/**
 * The top `k` axes of the covariance `scatter / (n − 1)`: Lanczos (checked by its residuals; the
 * dense ml-matrix decomposition when a check fails, see `topEigen`). The total variance of
 * `explainedVarianceRatio` is the covariance's trace (the sum of all its eigenvalues).
 */
export function pcaSolve(stats: PcaStats, k: number, fn: string): PCAModel {
  const { n, dim } = stats;
  if (n < 2) throw new VitValueError(`${fn} needs at least 2 rows to estimate a covariance. Got ${n}.`, { code: 'VIT_EMPTY' });
  if (k > dim) throw new VitValueError(`\`k\` of ${fn} must be at most the feature dimension ${dim}. Got ${k}.`);
  const cov = new Float64Array(dim * dim);
  for (let i = 0; i < cov.length; i++) cov[i] = stats.scatter[i] / (n - 1);
  let total = 0;
  for (let i = 0; i < dim; i++) total += cov[i * dim + i];
  const { values, vectors } = topEigen(cov, dim, k);
  const comps = new Float32Array(k * dim);
  const variance = new Float32Array(k);
  const ratio = new Float32Array(k);
  for (let c = 0; c < k; c++) {
    const v = vectors[c];
    let big = 0;
    for (let j = 0; j < dim; j++) if (Math.abs(v[j]) > Math.abs(big)) big = v[j];
    const sign = big < 0 ? -1 : 1;
    for (let j = 0; j < dim; j++) comps[c * dim + j] = sign * v[j];
    variance[c] = Math.max(values[c], 0);
    ratio[c] = total > 0 ? variance[c] / total : 0;
  }
  return {
    components: tensor(comps, [k, dim]),
    explainedVariance: tensor(variance, [k]),
    explainedVarianceRatio: tensor(ratio, [k]),
    mean: tensor(Float32Array.from(stats.mean), [dim]),
    samples: n,
  };
}

export function pcaCheckK(k: unknown, fn: string): number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) {
    throw new VitValueError(`\`k\` of ${fn} must be an integer ≥ 1 (the number of components). Got ${typeof k === 'number' ? k : JSON.stringify(k)}.`);
  }
  return k;
}
