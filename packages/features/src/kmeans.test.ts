import { describe, expect, it } from 'vitest';
import { referenceBackend, tensor } from '@vit/io';
import { kmeans } from './kmeans.js';
import { ari } from './ari.js';
import { Prng } from '@vit/io';
import { mat, toRows } from './test/helpers.js';

/** `k` blobs of `per` points in `d` dims, centres ±`spread` apart, unit noise; truth labels. */
function blobs(k: number, per: number, d: number, spread: number, seed: number) {
  const r = new Prng(seed);
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, () => spread * (r.uniform() * 2 - 1)));
  const rows: number[][] = [];
  const truth: number[] = [];
  for (let i = 0; i < k * per; i++) {
    const c = i % k; // interleaved so clusters are not contiguous blocks
    rows.push(centres[c].map((v) => v + r.normal()));
    truth.push(c);
  }
  return { X: mat(rows), truth: Int32Array.from(truth), rows };
}

function inertiaOf(rows: number[][], labels: Int32Array, k: number): number {
  const d = rows[0].length;
  const sums = Array.from({ length: k }, () => Array(d).fill(0));
  const counts = Array(k).fill(0);
  rows.forEach((r, i) => {
    counts[labels[i]]++;
    r.forEach((v, j) => (sums[labels[i]][j] += v));
  });
  return rows.reduce((s, r, i) => s + r.reduce((t, v, j) => t + (v - sums[labels[i]][j] / counts[labels[i]]) ** 2, 0), 0);
}

describe('kmeans', () => {
  it('recovers well-separated blobs exactly', async () => {
    const { X, truth, rows } = blobs(6, 25, 10, 40, 1);
    const r = await kmeans(X, { k: 6, seed: 3 });
    expect(ari(truth, r.labels)).toBe(1);
    expect(r.centroids.shape).toEqual([6, 10]);
    // centroids are the means of their members; inertia is Σ‖x − c‖²
    expect(r.inertia).toBeDeepCloseTo(inertiaOf(rows, r.labels, 6), 1e-2);
    const c0 = r.labels[0];
    const members = rows.filter((_, i) => r.labels[i] === c0);
    const mean0 = members[0].map((_, j) => members.reduce((s, m) => s + m[j], 0) / members.length);
    expect(toRows(r.centroids)[c0]).toBeDeepCloseTo(mean0, 1e-4);
  });

  it('same seed ⇒ same result; labels in [0,k)', async () => {
    const { X } = blobs(5, 30, 4, 3, 2); // overlapping blobs: the seed matters
    const a = await kmeans(X, { k: 5, seed: 11, nInit: 3 });
    const b = await kmeans(X, { k: 5, seed: 11, nInit: 3 });
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    expect(a.inertia).toBe(b.inertia);
    expect(a.centroids.data).toEqual(b.centroids.data);
    expect(Math.min(...a.labels)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a.labels)).toBeLessThan(5);
  });

  it('reaches the optimum of a small 1-D problem (checked by enumerating all splits)', async () => {
    const xs = [0, 0.5, 1.1, 3, 3.2, 7, 7.1, 7.5, 12, 13];
    let best = Infinity;
    const sse = (a: number[]) => {
      const m = a.reduce((s, v) => s + v, 0) / a.length;
      return a.reduce((s, v) => s + (v - m) ** 2, 0);
    };
    for (let i = 1; i < xs.length; i++) for (let j = i + 1; j < xs.length; j++) best = Math.min(best, sse(xs.slice(0, i)) + sse(xs.slice(i, j)) + sse(xs.slice(j)));
    const r = await kmeans(mat(xs.map((v) => [v])), { k: 3, seed: 0 });
    expect(r.inertia).toBeDeepCloseTo(best, 1e-4);
  });

  it('re-seeds an empty cluster with the point farthest from its centre', async () => {
    const X = mat([[0], [0.1], [0.2], [10], [10.1], [10.2], [20]]);
    // the third start centre is so far away that no point picks it
    const r = await kmeans(X, { k: 3, init: mat([[0.1], [10.1], [1000]]) });
    expect(Array.from(r.labels)).toEqual([0, 0, 0, 1, 1, 1, 2]);
    expect(toRows(r.centroids).flat()).toBeDeepCloseTo([0.1, 10.1, 20], 1e-5);
    expect(r.inertia).toBeDeepCloseTo(0.04, 1e-5);
  });

  it('k = n puts every point alone (inertia 0); maxIter bounds the iterations', async () => {
    const X = mat([[1, 2], [3, 4], [5, 7]]);
    const r = await kmeans(X, { k: 3, seed: 1 });
    expect(new Set(r.labels).size).toBe(3);
    expect(r.inertia).toBeDeepCloseTo(0, 1e-9);
    const { X: B } = blobs(4, 20, 3, 2, 5);
    expect((await kmeans(B, { k: 4, maxIter: 1, nInit: 1 })).iterations).toBe(1);
  });

  it('uses backend.nearest for assignments and backend.matmul for k-means++', async () => {
    const seen = new Set<string>();
    const spy = {
      ...referenceBackend,
      name: 'spy',
      nearest: (a: never, b: never) => (seen.add('nearest'), referenceBackend.nearest(a, b)),
      matmul: (a: never, b: never, o?: never) => (seen.add('matmul'), referenceBackend.matmul(a, b, o)),
    };
    await kmeans(blobs(3, 10, 2, 10, 6).X, { k: 3, backend: spy, nInit: 1 });
    expect([...seen].sort()).toEqual(['matmul', 'nearest']);
  });

  it('rejects bad input', async () => {
    const X = mat([[1, 2], [3, 4]]);
    await expect(kmeans(X, { k: 3 })).rejects.toThrow(/at most the number of rows n = 2. Got k = 3/);
    await expect(kmeans(X, { k: 0 })).rejects.toThrow(/positive integer/);
    await expect(kmeans(X)).rejects.toThrow(/at most the number of rows n = 2. Got k = 8/); // k defaults to 8
    await expect(kmeans(tensor(Float32Array.from([1, 2, NaN, 4]), [2, 2]), { k: 1 })).rejects.toThrow(/NaN in row 1/);
    await expect(kmeans(X, { k: 2, init: mat([[1, 2, 3], [4, 5, 6]]) })).rejects.toThrow(/\[k,d\] = \[2,2\]/);
  });
});
