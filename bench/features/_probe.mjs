import { tensor } from '@vit/io';
import { ortBackend } from '@vit/runtime';
import { cka } from '@vit/features';
import { performance } from 'node:perf_hooks';
const n = 5000, d = 768;
const X = tensor(Float32Array.from({length: n*d}, () => Math.random()-0.5), [n, d]);
const Y = tensor(Float32Array.from({length: n*d}, () => Math.random()-0.5), [n, d]);
for (const threads of [undefined, 1, 2]) {
  const b = ortBackend(threads ? { intraOpThreads: threads } : {});
  await b.matmul(X, X, { transA: true });
  let best = Infinity;
  for (let i = 0; i < 5; i++) { const t0 = performance.now(); await b.matmul(X, Y, { transA: true }); best = Math.min(best, performance.now() - t0); }
  let bc = Infinity;
  for (let i = 0; i < 3; i++) { const t0 = performance.now(); await cka(X, Y, { backend: b }); bc = Math.min(bc, performance.now() - t0); }
  console.log('threads', threads, 'one XᵀY ms', best.toFixed(1), 'cka ms', bc.toFixed(1));
  await b.dispose();
}
const b = { name: 'null', matmul: async (a, c, o) => tensor(new Float32Array(d*d).fill(1), [d, d]) };
let t0 = performance.now(); await cka(X, Y, { backend: b }); console.log('cka overhead without products ms', (performance.now() - t0).toFixed(1));
