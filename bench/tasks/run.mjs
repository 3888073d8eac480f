// Benchmark of @vit/tasks: `npm run bench:tasks` builds the packages, then runs this on the built ones.
// Ours runs with DEFAULT options (no backend passed: resolveBackend() picks onnxruntime when installed).
// The peer is numpy (/usr/bin/python3, Debian's numpy on OpenBLAS, 2 threads) in ONE persistent process
// (bench/tasks/peer.py) driven line by line: it loads the data once, is warmed up like ours, and every
// timed run of ours is interleaved with one of the peer's, the same number of times; medians are compared
// (wall and process CPU seconds). See bench/tasks/README.md.
//
// 1. k-NN: 20,000×768 train, 5,000×768 test, k = 20, 100 classes — knnClassify vs numpy (normalise,
//    matmul, argpartition, exp(s/T) votes), on the same data written once as .npy under bench/.data/.
// 2. Label propagation: a 60-frame 480×854 synthetic video with 28×52×768 token features (a textured
//    square moving over a textured background) — propagateLabels vs the same algorithm in numpy (one
//    product per frame, top-5 within the ±12-token window of 1 + 7 context frames, bilinear, argmax).
// Ratios are printed last.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { tensor } from '@vit/io';
import { davisScores, knnClassify, propagateLabels } from '@vit/tasks';

const here = dirname(fileURLToPath(import.meta.url));
const dataDir = join(here, '..', '.data');
mkdirSync(dataDir, { recursive: true });

const N = 20000;
const M = 5000;
const D = 768;
const C = 100;
const K = 20;
const REPEATS = Number(process.env.REPEATS ?? 5);
const PROP_REPEATS = Number(process.env.PROP_REPEATS ?? 2);
const FRAMES = 60;
// PROP_FRAMES times the first n frames of the video on both sides (default all 60); ONLY=knn|prop runs one part.
const PROP_FRAMES = Number(process.env.PROP_FRAMES ?? FRAMES);
const ONLY = process.env.ONLY ?? 'all';

function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}
function gauss(r) {
  return Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
}

/** Minimal .npy v1.0 writer (C order, little endian). */
function writeNpy(file, data, shape) {
  const descr = data instanceof Float32Array ? '<f4' : '<i4';
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header = header + ' '.repeat(pad % 64) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}
function writeNpyU8(file, data, shape) {
  const header0 = `{'descr': '|u1', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  const pad = 64 - ((10 + header0.length + 1) % 64);
  const header = header0 + ' '.repeat(pad % 64) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre.writeUInt16LE(header.length, 8);
  writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}
function readNpy(file, Ctor) {
  const buf = readFileSync(file);
  const hl = buf.readUInt16LE(8);
  const body = buf.subarray(10 + hl);
  return new Ctor(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
}

/** Class-structured features: centre of the class + noise, so accuracy is meaningful. */
function makeKnnData() {
  const files = ['knn_train.npy', 'knn_train_labels.npy', 'knn_test.npy', 'knn_test_labels.npy'].map((f) => join(dataDir, f));
  if (files.every((f) => existsSync(f))) {
    return {
      train: readNpy(files[0], Float32Array),
      trainLabels: readNpy(files[1], Int32Array),
      test: readNpy(files[2], Float32Array),
      testLabels: readNpy(files[3], Int32Array),
      files,
    };
  }
  const r = rng(2023);
  const centres = Float32Array.from({ length: C * D }, () => gauss(r));
  const make = (n) => {
    const x = new Float32Array(n * D);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = Math.floor(r() * C);
      y[i] = c;
      for (let d = 0; d < D; d++) x[i * D + d] = 0.2 * centres[c * D + d] + gauss(r);
    }
    return { x, y };
  };
  const tr = make(N);
  const te = make(M);
  writeNpy(files[0], tr.x, [N, D]);
  writeNpy(files[1], tr.y, [N]);
  writeNpy(files[2], te.x, [M, D]);
  writeNpy(files[3], te.y, [M]);
  return { train: tr.x, trainLabels: tr.y, test: te.x, testLabels: te.y, files };
}

/** 60 frames, 28×52 tokens, 768-d: background texture codes + a textured square moving right. */
function* syntheticVideo(frames, h, w, dim, H, W) {
  const r = rng(7);
  const codes = 32;
  const basis = Float32Array.from({ length: codes * dim }, () => gauss(r));
  const bg = Int32Array.from({ length: h * w }, () => Math.floor(r() * 16));
  const side = 8;
  const obj = Int32Array.from({ length: side * side }, () => 16 + Math.floor(r() * 16));
  const gt = [];
  for (let t = 0; t < frames; t++) {
    const y0 = 10;
    const x0 = 4 + Math.floor(t * 0.5);
    const f = new Float32Array(h * w * dim);
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const inside = i >= y0 && i < y0 + side && j >= x0 && j < x0 + side;
        const code = inside ? obj[(i - y0) * side + (j - x0)] : bg[i * w + j];
        f.set(basis.subarray(code * dim, (code + 1) * dim), (i * w + j) * dim);
        // small per-frame noise on one coordinate block keeps frames distinct without costing much
        f[(i * w + j) * dim + (t % dim)] += 0.1 * gauss(r);
      }
    }
    const m = new Uint8Array(H * W);
    const py0 = Math.round((y0 * H) / h);
    const py1 = Math.round(((y0 + side) * H) / h);
    const px0 = Math.round((x0 * W) / w);
    const px1 = Math.round(((x0 + side) * W) / w);
    for (let y = py0; y < py1; y++) m.fill(1, y * W + px0, y * W + px1);
    gt.push(tensor(m, [H, W]));
    yield { features: tensor(f, [h, w, dim]), gt: gt[t] };
  }
}

const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};
/** Wall and process-CPU seconds of one call of ours. */
async function timed(fn) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const c = process.cpuUsage(c0);
  return { value, seconds: (performance.now() - t0) / 1000, cpuSeconds: (c.user + c.system) / 1e6 };
}

// ---- data (written once, shared with the peer) ----
const knnData = makeKnnData();
const [h, w, dim, H, W] = [28, 52, 768, 480, 854];
const items = [...syntheticVideo(FRAMES, h, w, dim, H, W)];
const featFile = join(dataDir, 'video_features.npy');
const maskFile = join(dataDir, 'video_first_mask.npy');
const outFile = join(dataDir, 'video_numpy_labels.npy');
if (!existsSync(featFile) || !existsSync(maskFile)) {
  const all = new Float32Array(FRAMES * h * w * dim);
  items.forEach((x, t) => all.set(x.features.data, t * h * w * dim));
  writeNpy(featFile, all, [FRAMES, h, w, dim]);
  writeNpyU8(maskFile, items[0].gt.data, [H, W]);
}

// ---- the peer: one persistent numpy process ----
const peer = spawn('/usr/bin/python3', [join(here, 'peer.py'), 'serve', ...knnData.files, featFile, maskFile, outFile], { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = createInterface({ input: peer.stdout })[Symbol.asyncIterator]();
async function ask(cmd) {
  peer.stdin.write(`${cmd}\n`);
  const r = await lines.next();
  if (r.done) throw new Error('the numpy peer ended early');
  return JSON.parse(r.value);
}
const hello = await lines.next();
const peerInfo = JSON.parse(hello.value);

// ---- k-NN ----
let knn = null;
if (ONLY !== 'prop') {
const train = tensor(knnData.train, [N, D]);
const test = tensor(knnData.test, [M, D]);
const runOurs = () => knnClassify(train, knnData.trainLabels, test, { k: K, testLabels: knnData.testLabels });
// warm-up, both sides: one full run each (sessions, JIT, page faults, BLAS buffers)
await runOurs();
await ask(`knn ${K} ${C}`);
const oursKnn = [];
const peerKnn = [];
for (let i = 0; i < REPEATS; i++) {
  oursKnn.push(await timed(runOurs));
  peerKnn.push(await ask(`knn ${K} ${C}`));
}
knn = {
  ours: { seconds: median(oursKnn.map((x) => x.seconds)), cpu: median(oursKnn.map((x) => x.cpuSeconds)), top1: oursKnn[0].value.top1, top5: oursKnn[0].value.top5 },
  numpy: { seconds: median(peerKnn.map((x) => x.seconds)), cpu: median(peerKnn.map((x) => x.cpuSeconds)), top1: peerKnn[0].top1, top5: peerKnn[0].top5 },
};
console.log(`k-NN ${N}×${D} train, ${M}×${D} test, k=${K}, ${C} classes (medians of ${REPEATS} interleaved runs after one warm-up each):`);
console.log(`  ours  (default backend)  ${knn.ours.seconds.toFixed(3)} s  (CPU ${knn.ours.cpu.toFixed(2)} s)  top1 ${knn.ours.top1.toFixed(4)}  top5 ${knn.ours.top5.toFixed(4)}`);
console.log(`  numpy ${peerInfo.numpy.padEnd(18)} ${knn.numpy.seconds.toFixed(3)} s  (CPU ${knn.numpy.cpu.toFixed(2)} s)  top1 ${knn.numpy.top1.toFixed(4)}  top5 ${knn.numpy.top5.toFixed(4)}`);
}

// ---- label propagation ----
let prop = null;
if (ONLY !== 'knn') {
const feats = items.map((x) => x.features);
async function propagateOurs(frames) {
  const preds = [];
  for await (const labels of propagateLabels(feats.slice(0, frames), items[0].gt)) preds.push(labels);
  return preds;
}
await propagateOurs(3); // warm-up, both sides
await ask('prop 3');
const oursProp = [];
const peerProp = [];
let preds = [];
for (let i = 0; i < PROP_REPEATS; i++) {
  const o = await timed(() => propagateOurs(PROP_FRAMES));
  preds = o.value;
  oursProp.push(o);
  peerProp.push(await ask(`prop ${PROP_FRAMES}`));
}
const gts = items.slice(0, PROP_FRAMES).map((x) => x.gt);
const s = davisScores(gts, preds);
const npLabels = readNpy(outFile, Uint8Array);
let same = 0;
preds.forEach((p, t) => {
  for (let i = 0; i < H * W; i++) if (p.data[i] === npLabels[t * H * W + i]) same++;
});
const npPreds = Array.from({ length: PROP_FRAMES }, (_, t) => tensor(npLabels.subarray(t * H * W, (t + 1) * H * W), [H, W]));
const sNp = davisScores(gts, npPreds);
prop = {
  ours: { seconds: median(oursProp.map((x) => x.seconds)), cpu: median(oursProp.map((x) => x.cpuSeconds)) },
  numpy: { seconds: median(peerProp.map((x) => x.seconds)), cpu: median(peerProp.map((x) => x.cpuSeconds)) },
};
console.log(`label propagation, ${PROP_FRAMES} frames 480×854, 28×52×768 features, context 1+7, top-5, window ±12 (medians of ${PROP_REPEATS} interleaved runs after a 3-frame warm-up each):`);
console.log(`  ours  (default backend)  ${prop.ours.seconds.toFixed(2)} s  (CPU ${prop.ours.cpu.toFixed(2)} s)  ${(PROP_FRAMES / prop.ours.seconds).toFixed(2)} frames/s  J&F ${s.JF.toFixed(4)} (J ${s.J.toFixed(4)}, F ${s.F.toFixed(4)})`);
console.log(`  numpy (same windowed search)  ${prop.numpy.seconds.toFixed(2)} s  (CPU ${prop.numpy.cpu.toFixed(2)} s)  ${(PROP_FRAMES / prop.numpy.seconds).toFixed(2)} frames/s  J&F ${sNp.JF.toFixed(4)}`);
console.log(`  pixels labelled the same by both: ${(100 * same / (PROP_FRAMES * H * W)).toFixed(3)} %`);
}
peer.stdin.end();
console.log(`(load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores: the machine may be shared; the CPU-time ratios are less sensitive to other load)`);
console.log('ratios (time of ours / time of numpy; lower is faster):');
if (knn) console.log(`  k-NN              wall ${(knn.ours.seconds / knn.numpy.seconds).toFixed(2)}  CPU ${(knn.ours.cpu / knn.numpy.cpu).toFixed(2)}  (target wall ≤ 0.5)`);
if (prop) console.log(`  label propagation wall ${(prop.ours.seconds / prop.numpy.seconds).toFixed(2)}  CPU ${(prop.ours.cpu / prop.numpy.cpu).toFixed(2)}`);
