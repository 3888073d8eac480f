// The top eigenpairs of a symmetric matrix: Lanczos with full re-orthogonalisation, checked by
// each Ritz pair's residual, and ml-matrix's dense decomposition whenever that check fails.
import { EigenvalueDecomposition, Matrix as MlMatrix } from 'ml-matrix';

/** Eigenvalues (descending) and unit eigenvectors (`vectors[c]`, length `n`) of the top `k`. */
export interface TopEigen {
  values: Float64Array;
  vectors: Float64Array[];
  /** How they were computed: `'lanczos'`, or `'dense'` (the full decomposition). */
  method: 'lanczos' | 'dense';
}

/** A Ritz pair is accepted when `‖A y − θ y‖ ≤ RESIDUAL · |θ₁|`: far below float32 output precision. */
const RESIDUAL = 1e-10;
/** Below this size the dense decomposition is as cheap as anything else. */
const SMALL = 48;

/**
 * Top-`k` eigenpairs of the symmetric row-major `a [n·n]` (float64). Lanczos needs only `m ≪ n`
 * matrix–vector products when the spectrum decays, as feature covariances do (a 384×384
 * covariance: ~40 products instead of a 0.4 s dense decomposition); the Krylov space grows
 * (doubling) until every top Ritz pair's residual is below `RESIDUAL · |θ₁|`; the dense
 * decomposition answers when the next size would pass `n / 2` (clustered spectra, breakdown).
 */
export function topEigen(a: Float64Array, n: number, k: number): TopEigen {
  if (n <= SMALL || k * 4 > n) return denseTopEigen(a, n, k);
  for (let m = Math.min(n, Math.max(40, 4 * k)); ; m = Math.min(n, 2 * m)) {
    const r = lanczos(a, n, k, m);
    if (r) return r;
    if (2 * m > n / 2) return denseTopEigen(a, n, k); // past here Lanczos costs about what the dense decomposition does
  }
}

/** Every eigenpair from ml-matrix, sorted by decreasing value; the top `k` kept. */
export function denseTopEigen(a: Float64Array, n: number, k: number): TopEigen {
  const m = new MlMatrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m.set(i, j, a[i * n + j]);
  const eig = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const vals = eig.realEigenvalues;
  const vecs = eig.eigenvectorMatrix;
  const order = vals.map((_, i) => i).sort((x, y) => vals[y] - vals[x] || x - y);
  const values = new Float64Array(k);
  const vectors: Float64Array[] = [];
  for (let c = 0; c < k; c++) {
    values[c] = vals[order[c]];
    const v = new Float64Array(n);
    for (let j = 0; j < n; j++) v[j] = vecs.get(j, order[c]);
    vectors.push(v);
  }
  return { values, vectors, method: 'dense' };
}

/** `m` Lanczos steps from a fixed start vector; `null` when a top Ritz pair has not converged. */
function lanczos(a: Float64Array, n: number, k: number, m: number): TopEigen | null {
  const q: Float64Array[] = [];
  const alpha = new Float64Array(m);
  const beta = new Float64Array(m);
  // A deterministic start with every coordinate non-zero and unequal (results are repeatable).
  let v = new Float64Array(n);
  let seed = 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    v[i] = 1 + seed / 4294967296;
  }
  scale(v, 1 / norm(v));
  let scaleA = 0; // largest |α|, |β| seen: the breakdown threshold is relative to it
  let steps = 0;
  const w = new Float64Array(n);
  for (let j = 0; j < m; j++) {
    q.push(v);
    for (let r = 0; r < n; r++) {
      let s = 0;
      const o = r * n;
      for (let c = 0; c < n; c++) s += a[o + c] * v[c];
      w[r] = s;
    }
    alpha[j] = dot(v, w);
    // Full re-orthogonalisation, twice ("twice is enough"), against every basis vector.
    for (let pass = 0; pass < 2; pass++) {
      for (const u of q) {
        const c = dot(u, w);
        for (let i = 0; i < n; i++) w[i] -= c * u[i];
      }
    }
    steps = j + 1;
    const b = norm(w);
    scaleA = Math.max(scaleA, Math.abs(alpha[j]), b);
    if (j === m - 1) {
      beta[j] = b;
      break;
    }
    if (b <= 1e-12 * scaleA) {
      // An invariant subspace: exact, but only complete when it holds the top k (not knowable here).
      return null;
    }
    beta[j] = b;
    v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = w[i] / b;
  }
  if (steps < k) return null;
  // Ritz pairs from the tridiagonal T (steps × steps, small).
  const t = new MlMatrix(steps, steps);
  for (let i = 0; i < steps; i++) {
    t.set(i, i, alpha[i]);
    if (i + 1 < steps) {
      t.set(i, i + 1, beta[i]);
      t.set(i + 1, i, beta[i]);
    }
  }
  const eig = new EigenvalueDecomposition(t, { assumeSymmetric: true });
  const vals = eig.realEigenvalues;
  const s = eig.eigenvectorMatrix;
  const order = vals.map((_, i) => i).sort((x, y) => vals[y] - vals[x] || x - y);
  const top = Math.abs(vals[order[0]]);
  const last = beta[steps - 1];
  const values = new Float64Array(k);
  const vectors: Float64Array[] = [];
  for (let c = 0; c < k; c++) {
    const col = order[c];
    // ‖A y − θ y‖ = β_m |s_m| for the Ritz vector y = Q s (exact arithmetic, full re-orthogonalisation).
    if (Math.abs(last * s.get(steps - 1, col)) > RESIDUAL * top) return null;
    const y = new Float64Array(n);
    for (let j = 0; j < steps; j++) {
      const sj = s.get(j, col);
      const u = q[j];
      for (let i = 0; i < n; i++) y[i] += sj * u[i];
    }
    scale(y, 1 / norm(y));
    values[c] = vals[col];
    vectors.push(y);
  }
  return { values, vectors, method: 'lanczos' };
}

function dot(x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}

function norm(x: Float64Array): number {
  return Math.sqrt(dot(x, x));
}

function scale(x: Float64Array, f: number): void {
  for (let i = 0; i < x.length; i++) x[i] *= f;
}
