import { describe, expect, it } from 'vitest';
import { VitValueError } from '@vit/io';
import { cka } from './cka.js';
import { minibatchCKA } from './minibatchCKA.js';
import { mat, matmul, orthogonal, randn, toRows } from './test/helpers.js';

/** The SPEC 8 formula written out with explicit matrices and ones vectors (slow, obvious). */
function slowHsic1(K: number[][], L: number[][]): number {
  const n = K.length;
  const ones = Array(n).fill(1);
  const KL = matmul(K, L);
  const tr = KL.reduce((s, row, i) => s + row[i], 0);
  const sum = (A: number[][]) => A.flat().reduce((s, v) => s + v, 0);
  const oneKL1 = ones.reduce((s, _, i) => s + KL[i].reduce((t, v) => t + v, 0), 0);
  return (tr + (sum(K) * sum(L)) / ((n - 1) * (n - 2)) - (2 / (n - 2)) * oneKL1) / (n * (n - 3));
}

function slowMinibatchCka(X: number[][], Y: number[][], bs: number, reference = false): number {
  const kernel = (A: number[][]) => {
    let K = A.map((a) => A.map((b) => a.reduce((s, v, k) => s + v * b[k], 0)));
    if (reference) {
      const lo = Math.min(...K.flat());
      const hi = Math.max(...K.flat());
      K = K.map((r) => r.map((v) => (v - lo) / (hi - lo)));
    }
    return K.map((r, i) => r.map((v, j) => (i === j ? 0 : v)));
  };
  let kl = 0;
  let kk = 0;
  let ll = 0;
  const nb = Math.floor(X.length / bs);
  for (let b = 0; b < nb; b++) {
    const K = kernel(X.slice(b * bs, (b + 1) * bs));
    const L = kernel(Y.slice(b * bs, (b + 1) * bs));
    kl += slowHsic1(K, L);
    kk += slowHsic1(K, K);
    ll += slowHsic1(L, L);
  }
  return kl / nb / Math.sqrt((kk / nb) * (ll / nb));
}

describe('minibatchCKA', () => {
  it('equals the formula written out directly (batch 8 and batch 5)', async () => {
    const X = randn(32, 6, 21);
    const Y = mat(toRows(randn(32, 4, 22)).map((r, i) => r.map((v, j) => v + toRows(X)[i][j])));
    expect(await minibatchCKA(X, Y)).toBeDeepCloseTo(slowMinibatchCka(toRows(X), toRows(Y), 8), 1e-6);
    expect(await minibatchCKA(X, Y, { batchSize: 5 })).toBeDeepCloseTo(slowMinibatchCka(toRows(X), toRows(Y), 5), 1e-6);
  });

  it('reference: true rescales each kernel to [0,1] first (and changes the value)', async () => {
    const X = randn(24, 5, 23);
    const Y = mat(toRows(X).map((r) => [r[0] * r[1], r[2] + 1, r[3] - r[4]]));
    const ref = await minibatchCKA(X, Y, { reference: true });
    expect(ref).toBeDeepCloseTo(slowMinibatchCka(toRows(X), toRows(Y), 8, true), 1e-6);
    const plain = await minibatchCKA(X, Y);
    expect(Math.abs(ref - plain)).toBeGreaterThan(1e-3);
  });

  it('drops a final partial batch', async () => {
    const X = randn(21, 3, 24);
    const Y = randn(21, 3, 25);
    const first16 = (t: typeof X) => mat(toRows(t).slice(0, 16));
    expect(await minibatchCKA(X, Y)).toBeDeepCloseTo(await minibatchCKA(first16(X), first16(Y)), 1e-12);
  });

  it('is 1 on (X,X), invariant to rotation and scaling, and close to full CKA on planted data', async () => {
    const X = randn(400, 5, 26);
    expect(await minibatchCKA(X, X)).toBeDeepCloseTo(1, 1e-9);
    const noise = toRows(randn(400, 5, 28));
    const Y = mat(matmul(toRows(X), orthogonal(5, 27)).map((r, i) => r.map((v, j) => 0.5 * v + 0.6 * noise[i][j])));
    const mb = await minibatchCKA(X, Y);
    const XQ = mat(matmul(toRows(X), orthogonal(5, 29)).map((r) => r.map((v) => 4 * v)));
    expect(await minibatchCKA(XQ, Y)).toBeDeepCloseTo(mb, 1e-5);
    // unbiased estimator over 50 batches vs the full (biased) CKA on the same planted relation
    expect(mb).toBeDeepCloseTo(await cka(X, Y), 0.08);
  });

  it('rejects bad input', async () => {
    await expect(minibatchCKA(randn(16, 2, 1), randn(8, 2, 1))).rejects.toThrow(/X has 16, Y has 8/);
    await expect(minibatchCKA(randn(16, 2, 1), randn(16, 2, 1), { batchSize: 3 })).rejects.toThrow(/batchSize/);
    await expect(minibatchCKA(randn(6, 2, 1), randn(6, 2, 1))).rejects.toThrow(/batchSize/);
    const bad = randn(16, 2, 1);
    bad.data[9 * 2] = Infinity;
    await expect(minibatchCKA(bad, randn(16, 2, 2))).rejects.toThrow(/Infinity in row 9/);
    const constant = mat(Array.from({ length: 16 }, () => [3, 1]));
    const err = await minibatchCKA(randn(16, 2, 3), constant).catch((e) => e);
    expect(err).toBeInstanceOf(VitValueError);
    expect(err.code).toBe('VIT_CKA_UNDEFINED');
    expect(await minibatchCKA(randn(16, 2, 3), constant, { onUndefined: 'nan' })).toBeNaN();
  });
});
