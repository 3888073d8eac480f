import { tensor } from '@vit/io';
import { ortBackend } from '@vit/runtime';
import { cka } from '@vit/features';
import { performance } from 'node:perf_hooks';
const n = 5000, d = 768;
const X = tensor(Float32Array.from({length: n*d}, () => Math.random()-0.5), [n, d]);
const Y = tensor(Float32Array.from({length: n*d}, () => Math.random()-0.5), [n, d]);
const nul = { name: 'null', matmul: async (a, b) => tensor(new Float32Array(a.shape[1] * b.shape[1]).fill(1), [a.shape[1], b.shape[1]]) };
for (let i = 0; i < 4; i++) { const t0 = performance.now(); await cka(X, Y, { backend: nul }); console.log('overhead ms', (performance.now() - t0).toFixed(1)); }
const b = ortBackend();
const mk = (c) => tensor(Float32Array.from({length: n*c}, () => Math.random()-0.5), [n, c]);
const blocks = [0,1,2].map(() => mk(256));
const b4 = [0,1,2,3].map(() => mk(192));
const b2 = [0,1].map(() => mk(384));
await b.matmul(X, Y, { transA: true });
for (let rep = 0; rep < 3; rep++) {
  let t0 = performance.now(); await b.matmul(X, Y, { transA: true }); const tf = performance.now() - t0;
  t0 = performance.now(); for (let p = 0; p < 3; p++) for (let q = p; q < 3; q++) await b.matmul(blocks[p], blocks[q], { transA: true }); const t3 = performance.now() - t0;
  t0 = performance.now(); for (let p = 0; p < 4; p++) for (let q = p; q < 4; q++) await b.matmul(b4[p], b4[q], { transA: true }); const t4 = performance.now() - t0;
  t0 = performance.now(); for (let p = 0; p < 2; p++) for (let q = p; q < 2; q++) await b.matmul(b2[p], b2[q], { transA: true }); const t2 = performance.now() - t0;
  t0 = performance.now(); await b.matmul(X, X, { transA: true }); const tx = performance.now() - t0;
  t0 = performance.now(); await cka(X, Y, { backend: b }); const tc = performance.now() - t0;
  console.log('full XᵀY', tf.toFixed(1), 'XᵀX full', tx.toFixed(1), '| 3 blk', t3.toFixed(1), '| 4 blk', t4.toFixed(1), '| 2 blk', t2.toFixed(1), '| cka', tc.toFixed(1));
}
await b.dispose();
