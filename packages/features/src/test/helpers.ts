import { tensor } from '@vit/io';
import type { Tensor } from '@vit/io';
import { Prng } from '@vit/io';

/** Row-major matrix from nested arrays. */
export const mat = (rows: number[][]): Tensor => tensor(Float32Array.from(rows.flat()), [rows.length, rows[0].length]);

/** Seeded standard-normal matrix. */
export function randn(rows: number, cols: number, seed: number): Tensor {
  const r = new Prng(seed);
  const d = new Float32Array(rows * cols);
  for (let i = 0; i < d.length; i++) d[i] = r.normal();
  return tensor(d, [rows, cols]);
}

/** Plain nested-array copy of a 2-D tensor. */
export function toRows(t: Tensor): number[][] {
  const [r, c] = t.shape;
  return Array.from({ length: r }, (_, i) => Array.from({ length: c }, (_, j) => t.get(i, j)));
}

/** A random orthogonal matrix: product of Householder reflections. */
export function orthogonal(d: number, seed: number): number[][] {
  const r = new Prng(seed);
  let Q: number[][] = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 : 0)));
  for (let h = 0; h < 3; h++) {
    const v = Array.from({ length: d }, () => r.normal());
    const vv = v.reduce((s, x) => s + x * x, 0);
    const H = v.map((vi, i) => v.map((vj, j) => (i === j ? 1 : 0) - (2 * vi * vj) / vv));
    Q = matmul(Q, H);
  }
  return Q;
}

export function matmul(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, x, k) => s + x * b[k][j], 0)));
}
