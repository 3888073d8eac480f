import { tensor } from '@vit/io';
import { cka } from '@vit/features';
import { performance } from 'node:perf_hooks';
const n = 5000, d = 768;
const X = tensor(Float32Array.from({length: n*d}, () => Math.random()-0.5), [n, d]);
const Y = tensor(Float32Array.from({length: n*d}, () => Math.random()-0.5), [n, d]);
const b = { name: 'null', matmul: async (a, c, o) => tensor(new Float32Array(d*d).fill(1), [d, d]) };
for (let i = 0; i < 6; i++) { const t0 = performance.now(); await cka(X, Y, { backend: b }); console.log('cka overhead without products ms', (performance.now() - t0).toFixed(1)); }
