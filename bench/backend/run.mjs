// Numeric backend benchmark: onnxruntime backend vs the pure-TypeScript reference.
// `npm run bench:backend` builds the packages, then runs this (or: node bench/backend/run.mjs [--threads N])
import { ortBackend, referenceBackend, tensor } from '@vit/io';
import os from 'node:os';

const threadsArg = process.argv.indexOf('--threads');
const threads = threadsArg > 0 ? Number(process.argv[threadsArg + 1]) : undefined;

let seed = 12345;
const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296) - 0.5;
const rand = (r, c) => tensor(Float32Array.from({ length: r * c }, rnd), [r, c]);

/** Median seconds of `reps` timed runs after one warm-up. */
async function time(fn, reps) {
  await fn();
  const ts = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    ts.push((performance.now() - t0) / 1000);
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)];
}

const ort = ortBackend(threads ? { intraOpThreads: threads } : {});
console.log(`cpus: ${os.cpus().length} × ${os.cpus()[0]?.model}; onnxruntime intra-op threads: ${threads ?? 'default'}`);

const [M, K, N] = [2048, 768, 2048];
const flop = 2 * M * K * N;
const a = rand(M, K);
const b = rand(K, N);
const bT = rand(N, K);
const aT = rand(K, M);
const rows = [];
for (const [label, x, y, o] of [
  ['matmul a·b', a, b, {}],
  ['matmul a·bᵀ', a, bT, { transB: true }],
  ['matmul aᵀ·b', aT, b, { transA: true }],
  ['matmul (view bᵀ)', a, bT.transpose(1, 0), {}],
]) {
  const s = await time(() => ort.matmul(x, y, o), 5);
  rows.push([label, s, flop / s / 1e9]);
}
const gs = await time(() => ort.gram(a), 5);
rows.push(['gram [2048,768]', gs, (2 * M * M * K) / gs / 1e9]);
const xs = rand(20000, 768);
const cs = rand(256, 768);
const ns = await time(() => ort.nearest(xs, cs), 3);
rows.push(['nearest [20000,768]×[256,768]', ns, (2 * 20000 * 256 * 768) / ns / 1e9]);
const sims = rand(2048, 5000);
const ts = await time(() => ort.topk(sims, 20), 3);
rows.push(['topk k=20 of [2048,5000]', ts, NaN]);

for (const [label, s, g] of rows) {
  console.log(`onnxruntime ${label.padEnd(32)} ${(s * 1000).toFixed(1).padStart(8)} ms ${Number.isNaN(g) ? '' : `${g.toFixed(1).padStart(7)} GFLOP/s`}`);
}

// The compared pair (matmul a·b) runs the same way on both: one warm-up, then the median of REF_REPS
// runs (the reference is ~1 GFLOP/s, so 3 by default; REF_REPS=5 matches the other rows).
const REF_REPS = Number(process.env.REF_REPS ?? 3);
const os3 = await time(() => ort.matmul(a, b), REF_REPS);
const rs = await time(() => referenceBackend.matmul(a, b), REF_REPS);
const refG = flop / rs / 1e9;
console.log(`reference   ${'matmul a·b'.padEnd(32)} ${(rs * 1000).toFixed(1).padStart(8)} ms ${refG.toFixed(2).padStart(7)} GFLOP/s`);
const rts = await time(() => referenceBackend.topk(sims.hi(256, 5000), 20), 1);
console.log(`reference   ${'topk k=20 of [256,5000]'.padEnd(32)} ${(rts * 1000).toFixed(1).padStart(8)} ms`);

await ort.dispose();
console.log(`\nmatmul ${M}×${K}×${N} (both: warm-up + median of ${REF_REPS}): onnxruntime ${(flop / os3 / 1e9).toFixed(1)} GFLOP/s vs reference ${refG.toFixed(2)} GFLOP/s — ratio ${(rs / os3).toFixed(0)}×`);
