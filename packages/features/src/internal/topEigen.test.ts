import { describe, expect, it } from 'vitest';
import { denseTopEigen, topEigen } from './topEigen.js';

/** A seeded uniform stream in [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** `Q diag(λ) Qᵀ` with `Q` a random orthogonal matrix (Gram–Schmidt of random columns): the planted spectrum. */
function planted(lambda: number[], seed: number): { a: Float64Array; q: Float64Array[] } {
  const n = lambda.length;
  const r = rng(seed);
  const q: Float64Array[] = [];
  while (q.length < n) {
    const v = Float64Array.from({ length: n }, () => r() - 0.5);
    for (const u of q) {
      let c = 0;
      for (let i = 0; i < n; i++) c += u[i] * v[i];
      for (let i = 0; i < n; i++) v[i] -= c * u[i];
    }
    const len = Math.hypot(...v);
    q.push(v.map((x) => x / len));
  }
  const a = new Float64Array(n * n);
  for (let c = 0; c < n; c++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] += lambda[c] * q[c][i] * q[c][j];
  return { a, q };
}

const absCos = (x: Float64Array, y: Float64Array) => Math.abs(x.reduce((s, v, i) => s + v * y[i], 0));

describe('topEigen', () => {
  it('recovers a planted, decaying spectrum with Lanczos (values to 1e-9 relative, vectors |cos| to 1e-9)', () => {
    const n = 200;
    const lambda = Array.from({ length: n }, (_, i) => 10 * 0.9 ** i); // feature covariances decay like this
    const { a, q } = planted(lambda, 1);
    const r = topEigen(a, n, 3);
    expect(r.method).toBe('lanczos');
    for (let c = 0; c < 3; c++) {
      expect(Math.abs(r.values[c] / lambda[c] - 1)).toBeLessThan(1e-9);
      expect(absCos(r.vectors[c], q[c])).toBeGreaterThan(1 - 1e-9);
      expect(Math.hypot(...r.vectors[c])).toBeCloseTo(1, 12);
    }
  });

  it('matches the dense decomposition on the covariance of random rows (384 dims, as ViT-S tokens)', () => {
    const n = 384;
    const rows = 600;
    const r = rng(7);
    // Rows with a few strong directions plus isotropic noise.
    const x = new Float64Array(rows * n);
    const dirs = Array.from({ length: 5 }, () => Float64Array.from({ length: n }, () => r() - 0.5));
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < n; j++) x[i * n + j] = r() - 0.5;
      dirs.forEach((d, c) => {
        const z = (r() - 0.5) * (8 - c);
        for (let j = 0; j < n; j++) x[i * n + j] += z * d[j];
      });
    }
    const a = new Float64Array(n * n);
    for (let i = 0; i < rows; i++) for (let p = 0; p < n; p++) for (let s = 0; s < n; s++) a[p * n + s] += x[i * n + p] * x[i * n + s];
    const fast = topEigen(a, n, 3);
    const dense = denseTopEigen(a, n, 3);
    expect(fast.method).toBe('lanczos');
    for (let c = 0; c < 3; c++) {
      expect(Math.abs(fast.values[c] / dense.values[c] - 1)).toBeLessThan(1e-9);
      expect(absCos(fast.vectors[c], dense.vectors[c])).toBeGreaterThan(1 - 1e-9);
    }
  });

  it('falls back to the dense decomposition on a flat spectrum (no top pair converges) and still answers', () => {
    const n = 120;
    const lambda = Array.from({ length: n }, (_, i) => 1 + 1e-9 * (n - i)); // every gap 1e-9
    const { a } = planted(lambda, 3);
    const r = topEigen(a, n, 2);
    expect(r.method).toBe('dense');
    expect(r.values[0]).toBeCloseTo(lambda[0], 9);
  });

  it('uses the dense decomposition for small matrices and sorts by decreasing value', () => {
    const { a, q } = planted([1, 5, 3, 2], 4);
    const r = topEigen(a, 4, 2);
    expect(r.method).toBe('dense');
    expect([...r.values].map((v) => +v.toFixed(9))).toEqual([5, 3]);
    expect(absCos(r.vectors[0], q[1])).toBeCloseTo(1, 9);
    expect(absCos(r.vectors[1], q[2])).toBeCloseTo(1, 9);
  });
});
