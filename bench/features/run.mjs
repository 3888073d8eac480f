// bench/features: @vit/features with DEFAULT options (no backend passed: the default backend,
// onnxruntime when installed) vs scikit-learn / numpy, same data, same process conditions
// (both warmed up, the same repeats, one configuration each). See README.md for the peers.
// Usage: npm run bench:features   (builds the packages first)
// Env: BENCH_SEEDS=0,1,2 (k-means seeds), BENCH_REPEATS=9 (CKA), BENCH_MB_IMAGES=1000,
//      BENCH_THREADS=n (pin both sides to n threads).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Prng, ortBackend, resolveBackend, setDefaultBackend, tensor } from '@vit/io';
import { cka, kmeans, MinibatchCKA } from '@vit/features';

const here = dirname(fileURLToPath(import.meta.url));
const dataDir = join(here, '..', '.data');
const N = 5000;
const D = 768;
const SEEDS = (process.env.BENCH_SEEDS ?? '0,1,2').split(',').map(Number);
const MB_IMAGES = Number(process.env.BENCH_MB_IMAGES ?? 1000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 9);

// --- .npy (version 1.0, little-endian float32, C order): a few lines each way ---
function writeNpy(path, data, shape) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const pre = Buffer.alloc(10);
  Buffer.from('\x93NUMPY', 'latin1').copy(pre, 0);
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  writeFileSync(path, Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}
function readNpy(path) {
  const buf = readFileSync(path);
  const hlen = buf.readUInt16LE(8);
  const header = buf.subarray(10, 10 + hlen).toString('latin1');
  if (!header.includes("'<f4'") || header.includes('True')) throw new Error(`${path}: expected C-order little-endian float32`);
  const shape = header.match(/\(([^)]*)\)/)[1].split(',').filter((s) => s.trim()).map(Number);
  const bytes = buf.subarray(10 + hlen);
  const data = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(data.buffer).set(bytes);
  return tensor(data, shape);
}

// --- data: 50 anisotropic Gaussian blobs (X) and a nonlinear, noisy view of it (Y) ---
// Standard normals from the one PRNG of @vit/io.
function rng(seed) {
  const p = new Prng(seed, 'bench/features');
  return () => p.normal();
}
const xPath = join(dataDir, 'features_X_5000x768_v2.npy');
const yPath = join(dataDir, 'features_Y_5000x768_v2.npy');
if (!existsSync(xPath) || !existsSync(yPath)) {
  mkdirSync(dataDir, { recursive: true });
  const g = rng(12345);
  const scale = Float32Array.from({ length: D }, () => 0.5 + Math.abs(g()) * 0.7);
  const centres = Float32Array.from({ length: 50 * D }, () => 0.15 * g());
  const X = new Float32Array(N * D);
  for (let i = 0; i < N; i++) for (let j = 0; j < D; j++) X[i * D + j] = (centres[(i % 50) * D + j] + g()) * scale[j];
  const perm = Array.from({ length: D }, (_, j) => (j * 337) % D);
  const Y = new Float32Array(N * D);
  for (let i = 0; i < N; i++) for (let j = 0; j < D; j++) Y[i * D + j] = Math.tanh(X[i * D + perm[j]]) + 0.3 * g();
  writeNpy(xPath, X, [N, D]);
  writeNpy(yPath, Y, [N, D]);
  console.log(`wrote ${xPath} and ${yPath}`);
}
const X = readNpy(xPath);
const Y = readNpy(yPath);

// --- measurements: peer and ours alternate item by item, so a change in machine load hits both ---
// BENCH_THREADS=n pins both sides to n threads (onnxruntime intra-op threads; OpenBLAS/OpenMP
// for numpy and scikit-learn): on a shared, loaded machine that is the fairer comparison.
const threads = process.env.BENCH_THREADS ? Number(process.env.BENCH_THREADS) : undefined;
const peerEnv = threads ? { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) } : process.env;
const peer = (...args) =>
  JSON.parse(execFileSync('/usr/bin/python3', [join(here, 'peer.py'), ...args.map(String)], { encoding: 'utf8', maxBuffer: 1 << 24, env: peerEnv }));
console.log(`threads: ${threads ?? 'library defaults'} (set BENCH_THREADS=n to pin both sides)`);
// Ours: default options (no backend passed). Only BENCH_THREADS changes the default backend's threads.
if (threads) setDefaultBackend(ortBackend({ intraOpThreads: threads }));
const backendName = (await resolveBackend()).name;
console.log(`default backend: ${backendName}`);
await kmeans(tensor(X.data.slice(0, 500 * D), [500, D]), { k: 5, nInit: 1 }); // warm-up (sessions), as the peer warms up
await cka(tensor(X.data.slice(0, 500 * D), [500, D]), tensor(Y.data.slice(0, 500 * D), [500, D]));
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

console.log(`kmeans k=50 nInit=10 on ${N}×${D}, seeds ${SEEDS.join(',')}: sklearn, then ours, per seed …`);
const km = { times: [], cpu: [], inertias: [], iterations: [] };
const skl = { times: [], cpu: [], inertias: [], iterations: [] };
for (const seed of SEEDS) {
  const p = peer('kmeans', xPath, seed);
  skl.times.push(p.time);
  skl.cpu.push(p.cpu);
  skl.inertias.push(p.inertia);
  skl.iterations.push(p.iterations);
  const t0 = performance.now();
  const c0 = cpu();
  const r = await kmeans(X, { k: 50, nInit: 10, seed });
  km.cpu.push(cpu() - c0);
  km.times.push((performance.now() - t0) / 1000);
  km.inertias.push(r.inertia);
  km.iterations.push(r.iterations);
}

console.log(`linear CKA: numpy (warm, ${REPEATS} repeats), then ours (warm, ${REPEATS} repeats); median time …`);
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const npCka = peer('cka', xPath, yPath, REPEATS);
const ckaTimes = [];
const ckaCpu = [];
let ckaValue = 0;
for (let i = 0; i < REPEATS; i++) {
  const t0 = performance.now();
  const c0 = cpu();
  ckaValue = await cka(X, Y);
  ckaCpu.push(cpu() - c0);
  ckaTimes.push((performance.now() - t0) / 1000);
}

console.log(`MinibatchCKA, ${MB_IMAGES} images: numpy, then ours …`);
const npMb = peer('minibatch', MB_IMAGES).imagesPerSecond; // warm (one untimed batch), then MB_IMAGES images
// MinibatchCKA 12×12 layers, 'all' tokens [197,768], batches of 8 images; a pool of taps reused.
const g = rng(7);
const layer = () => tensor(Float32Array.from({ length: 8 * 197 * D }, g), [8, 197, D]);
const poolA = Array.from({ length: 12 }, layer);
const poolB = Array.from({ length: 12 }, layer);
// Ours: default options, updateAsync (the Grams on the default backend), one untimed warm-up batch.
const acc = new MinibatchCKA({ tokens: 'all' });
await acc.updateAsync(poolA, poolB);
acc.reset();
const tMb = performance.now();
for (let i = 0; i < MB_IMAGES / 8; i++) await acc.updateAsync(poolA, poolB);
acc.result();
const mbOurs = MB_IMAGES / ((performance.now() - tMb) / 1000);
await (await resolveBackend()).dispose?.();

const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
const f = (v, d = 3) => v.toFixed(d);
console.log('\nkmeans k=50 nInit=10 on 5000×768 (seeds ' + SEEDS.join(',') + ')');
console.log(`  ours    ${km.times.map((t) => f(t, 2) + ' s').join('  ')}   cpu ${km.cpu.map((t) => f(t, 1) + ' s').join(' ')}   inertia ${km.inertias.map((v) => f(v, 0)).join(' ')}   iterations ${km.iterations.join(' ')}`);
console.log(`  sklearn ${skl.times.map((t) => f(t, 2) + ' s').join('  ')}   cpu ${skl.cpu.map((t) => f(t, 1) + ' s').join(' ')}   inertia ${skl.inertias.map((v) => f(v, 0)).join(' ')}   iterations ${skl.iterations.join(' ')}`);
console.log(`linear CKA of two 5000×768 matrices (median of ${REPEATS}, both warm)`);
console.log(`  ours  ${f(median(ckaTimes) * 1000, 1)} ms  cpu ${f(median(ckaCpu) * 1000, 1)} ms  value ${ckaValue.toFixed(6)}`);
console.log(`  numpy ${f(npCka.median * 1000, 1)} ms  cpu ${f(npCka.cpu * 1000, 1)} ms  value ${npCka.value.toFixed(6)}`);
console.log(`MinibatchCKA 12×12 layers, 'all' tokens [197,768], batches of 8`);
console.log(`  ours (default options, updateAsync) ${f(mbOurs, 1)} images/s over ${MB_IMAGES} images`);
console.log(`  numpy (same algebra)                ${f(npMb, 1)} images/s over ${MB_IMAGES} images`);

const inertiaDiff = (mean(km.inertias) - mean(skl.inertias)) / mean(skl.inertias);
console.log(`\nratios (ours / peer), ours with default options (backend: ${backendName})`);
console.log(`  kmeans time     ${f(mean(km.times) / mean(skl.times), 2)}   (target ≤ 0.5)   cpu-time ratio ${f(mean(km.cpu) / mean(skl.cpu), 2)}`);
console.log(`  kmeans inertia  ${inertiaDiff >= 0 ? '+' : ''}${f(inertiaDiff * 100, 3)} %   (target within ±0.5 %)`);
console.log(`  CKA time        ${f(median(ckaTimes) / npCka.median, 2)}   (target ≤ 1.0)   cpu-time ratio ${f(median(ckaCpu) / npCka.cpu, 2)}`);
console.log(`  MinibatchCKA    time ratio ${f(npMb / mbOurs, 2)}   (${f(mbOurs, 1)} vs numpy ${f(npMb, 1)} images/s)`);
