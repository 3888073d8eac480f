import { describe, expect, it } from 'vitest';
import { tensor, wasmKernel } from '@vit/io';
import { kmeans } from '../kmeans.js';
import { clusterSummer, useClusterSumsKernel } from './clusterSums.js';
import { CLUSTER_SUMS_WASM_BASE64 } from './clusterSumsWasmModule.js';

// The WebAssembly sums must be the TypeScript loop's bits (max difference 0), so k-means gives the
// same labels, centres and inertia with either.
function points(n: number, dim: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n * dim }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 4294967296 - 0.5) * 1e3 + 1e-3 * (s & 7);
  });
}

function sumsWith(impl: 'wasm' | 'ts', x: Float32Array, n: number, dim: number, k: number, labels: Int32Array): Float64Array {
  const prev = useClusterSumsKernel(impl);
  try {
    const c = clusterSummer(x, n, dim, k);
    const out = c.sum(labels).slice();
    c.release();
    return out;
  } finally {
    useClusterSumsKernel(prev);
  }
}

describe.skipIf(!wasmKernel(CLUSTER_SUMS_WASM_BASE64))('clusterSummer', () => {
  it.each([
    [37, 13, 5], // a feature count that is not a multiple of 4 (the scalar tail)
    [200, 384, 10],
    [3, 1, 2],
  ])('n = %i, dim = %i, k = %i: the same bits as the TypeScript loop, empty clusters zero', (n, dim, k) => {
    const x = points(n, dim, n + dim);
    const labels = Int32Array.from({ length: n }, (_, i) => (i * 7) % (k - 1)); // cluster k − 1 stays empty
    const ts = sumsWith('ts', x, n, dim, k, labels);
    const wasm = sumsWith('wasm', x, n, dim, k, labels);
    expect(wasm).toEqual(ts);
    expect([...wasm.subarray((k - 1) * dim)].every((v) => v === 0)).toBe(true);
    // by hand: the first feature of cluster 0
    let s = 0;
    for (let i = 0; i < n; i++) if (labels[i] === 0) s += x[i * dim];
    expect(wasm[0]).toBe(s);
  });

  it('is reused across calls (fresh sums every call) and k-means gives identical results with either kernel', async () => {
    const n = 300;
    const dim = 24;
    const x = points(n, dim, 3);
    const c = clusterSummer(x, n, dim, 3);
    const a = c.sum(new Int32Array(n)).slice();
    const b = c.sum(new Int32Array(n)).slice();
    c.release();
    expect(b).toEqual(a);
    // A released instance serves the next run, with that run's points.
    const y = points(n, dim, 4);
    const again = clusterSummer(y, n, dim, 3);
    expect(again.sum(new Int32Array(n)).slice()).toEqual(sumsWith('ts', y, n, dim, 3, new Int32Array(n)));
    again.release();
    const run = async (impl: 'wasm' | 'ts') => {
      const prev = useClusterSumsKernel(impl);
      try {
        return await kmeans(tensor(x, [n, dim]), { k: 6, nInit: 3, seed: 1 });
      } finally {
        useClusterSumsKernel(prev);
      }
    };
    const [w, t] = [await run('wasm'), await run('ts')];
    expect([...w.labels]).toEqual([...t.labels]);
    expect(w.inertia).toBe(t.inertia);
    expect([...w.centroids.data]).toEqual([...t.centroids.data]);
  });
});
