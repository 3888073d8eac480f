import { describe, expect, it } from 'vitest';
import { VitValueError, referenceBackend, tensor } from '@vit/io';
import { cka } from './cka.js';
import { mat, matmul, orthogonal, randn, toRows } from './test/helpers.js';

/** Slow, independent CKA: HSIC = tr(K H L H) with the explicit centring matrix H. */
function slowCka(X: number[][], Y: number[][]): number {
  const n = X.length;
  const gram = (A: number[][]) => A.map((a) => A.map((b) => a.reduce((s, v, k) => s + v * b[k], 0)));
  const H = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0) - 1 / n));
  const centred = (K: number[][]) => matmul(matmul(H, K), H);
  const Kc = centred(gram(X));
  const Lc = centred(gram(Y));
  const hsic = (A: number[][], B: number[][]) => A.reduce((s, row, i) => s + row.reduce((t, v, j) => t + v * B[j][i], 0), 0);
  return hsic(Kc, Lc) / Math.sqrt(hsic(Kc, Kc) * hsic(Lc, Lc));
}

describe('cka', () => {
  it('hand-computed 3×1 case: centred x = (−1,0,1), y = (0,−1,1) → 1² / (2·2) = 0.25', async () => {
    const X = mat([[1], [2], [3]]);
    const Y = mat([[1], [0], [2]]);
    expect(await cka(X, Y)).toBeDeepCloseTo(0.25, 1e-12);
    expect(await cka(X, Y, { form: 'gram' })).toBeDeepCloseTo(0.25, 1e-12);
  });

  it('hand-computed 4×2 case', async () => {
    // X centred = [[-1,-1],[1,-1],[-1,1],[1,1]] (orthogonal columns, XᵀX = 4I, ‖XᵀX‖ = 4√2)
    // Y = first column of X → YᵀX = [4, 0], ‖·‖² = 16; YᵀY = 4 → CKA = 16 / (4√2·4) = 1/√2
    const X = mat([[0, 0], [2, 0], [0, 2], [2, 2]]);
    const Y = mat([[0], [2], [0], [2]]);
    expect(await cka(X, Y)).toBeDeepCloseTo(Math.SQRT1_2, 1e-7);
  });

  it('matches a slow explicit-centring implementation on random data', async () => {
    const X = randn(12, 5, 1);
    const Y = randn(12, 7, 2);
    const want = slowCka(toRows(X), toRows(Y));
    expect(await cka(X, Y)).toBeDeepCloseTo(want, 1e-6);
  });

  it('feature-space and Gram forms agree (d,e < n and d > n)', async () => {
    const X = randn(30, 4, 3);
    const Y = randn(30, 6, 4);
    const f = await cka(X, Y, { form: 'feature' });
    const g = await cka(X, Y, { form: 'gram' });
    expect(f).toBeDeepCloseTo(g, 1e-6);
    const W = randn(6, 20, 5);
    const Z = randn(6, 3, 6);
    expect(await cka(W, Z)).toBeDeepCloseTo(await cka(W, Z, { form: 'feature' }), 1e-6);
    expect(await cka(W, Z)).toBeDeepCloseTo(slowCka(toRows(W), toRows(Z)), 1e-6);
  });

  it('blocked feature form (d, e > 256 columns) equals the Gram form', async () => {
    const X = randn(300, 520, 13); // column blocks 256 + 256 + 8
    const Y = mat(toRows(randn(300, 270, 14)).map((r, i) => r.map((v, j) => v + X.get(i, j) * 0.8)));
    const f = await cka(X, Y, { form: 'feature' });
    expect(f).toBeDeepCloseTo(await cka(X, Y, { form: 'gram' }), 1e-6);
    expect(f).toBeGreaterThan(0.2);
  });

  it('large column means (1000× the spread) lose no precision; invariant to column shifts', async () => {
    const X0 = randn(200, 40, 15);
    const Y0 = mat(toRows(randn(200, 30, 16)).map((r, i) => r.map((v, j) => v + X0.get(i, j))));
    const shifted = (t: typeof X0, base: number) => mat(toRows(t).map((r) => r.map((v, j) => v + base * (j + 1))));
    const X = shifted(X0, 1000);
    const Y = shifted(Y0, -700);
    const f = await cka(X, Y, { form: 'feature' });
    expect(f).toBeDeepCloseTo(await cka(X, Y, { form: 'gram' }), 1e-6);
    // float32 storage of values ~1e4 quantises them at ~1e-3 of the spread: compare loosely
    expect(f).toBeDeepCloseTo(await cka(X0, Y0), 1e-3);
  });

  it('is 1 for CKA(X,X), invariant to orthogonal transforms and isotropic scaling', async () => {
    const X = randn(25, 6, 7);
    const Y = randn(25, 4, 8);
    expect(await cka(X, X)).toBeDeepCloseTo(1, 1e-6);
    const base = await cka(X, Y);
    const XQ = mat(matmul(toRows(X), orthogonal(6, 9)));
    expect(await cka(XQ, Y)).toBeDeepCloseTo(base, 1e-6);
    const Xs = mat(toRows(X).map((r) => r.map((v) => 3.7 * v)));
    expect(await cka(Xs, Y)).toBeDeepCloseTo(base, 1e-6);
    // planted structure: Y a rotated, scaled copy of X plus small noise → near 1; independent noise → small
    const Yrel = mat(matmul(toRows(X), orthogonal(6, 10)).map((r, i) => r.map((v, j) => 2 * v + 0.01 * toRows(Y)[i][j % 4])));
    expect(await cka(X, Yrel)).toBeGreaterThan(0.999);
    expect(base).toBeLessThan(0.6);
  });

  it('accepts strided (transposed) views', async () => {
    const X = randn(5, 10, 11);
    const Xt = X.transpose(1, 0); // [10,5] view
    const Xcopy = mat(toRows(Xt as never));
    const Y = randn(10, 3, 12);
    expect(await cka(Xt, Y)).toBeDeepCloseTo(await cka(Xcopy, Y), 1e-7);
  });

  it('uses the given backend for the products', async () => {
    const calls: string[] = [];
    const spy = { ...referenceBackend, name: 'spy', matmul: (a: never, b: never, o?: never) => (calls.push('matmul'), referenceBackend.matmul(a, b, o)) };
    await cka(randn(10, 3, 1), randn(10, 2, 2), { backend: spy });
    expect(calls).toEqual(['matmul', 'matmul', 'matmul']);
  });

  it('rejects bad input with one clear line', async () => {
    await expect(cka(randn(5, 2, 1), randn(4, 2, 1))).rejects.toThrow(/X has 5, Y has 4/);
    const bad = randn(5, 2, 1);
    bad.data[3 * 2 + 1] = NaN;
    await expect(cka(bad, randn(5, 2, 2))).rejects.toThrow(/NaN in row 3/);
    await expect(cka(tensor(new Float32Array(8), [2, 2, 2]), randn(2, 2, 1))).rejects.toThrow(/shape \[n,d\]/);
    const constant = mat([[1, 2], [1, 2], [1, 2]]);
    const err = await cka(constant, randn(3, 2, 1)).catch((e) => e);
    expect(err).toBeInstanceOf(VitValueError);
    expect(err.code).toBe('VIT_CKA_UNDEFINED');
    expect(await cka(constant, randn(3, 2, 1), { onUndefined: 'nan' })).toBeNaN();
    await expect(cka(mat([[1]]), mat([[2]]))).rejects.toThrow(/at least 2 rows/);
  });
});
