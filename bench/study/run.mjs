// npm run bench:study — a whole `vit study` against a bare onnxruntime forward of the same model,
// over the same images, at the same batch size, measured in the same run (see bench/README.md):
//
//   study  `runStudy` of @vit/cli on a generated config: one model, one folder dataset of N
//          images, the analyses attention (the whole suite: CLS maps, AAAM, offsets, distance,
//          head taxonomy, sparse-pattern score, viewer examples with PCA-RGB), cka (within model,
//          residual), clustering (CLS token, k-means per layer) and knn (the folder's protocol:
//          first half train, second half test). Everything from opening the model to results.json
//          is timed, in a fresh output folder each round (a study never resumes here).
//   bare   onnxruntime-node's plain `InferenceSession` on the un-instrumented ONNX (the same
//          session options ViTSession uses), the same images decoded with @vit/io's readImage and
//          preprocessed with @vit/runtime's preprocessBatch under the same transform the study's
//          session applies; every output read. Timed from creating the session to releasing it.
//
// Rounds alternate (bare, study, bare, study, …) after one warm-up of each; medians are printed.
// The ratio study / bare images/s is printed LAST. Target: ≥ 0.85.
//
// Environment: BENCH_IMAGES (N, default 1000 — the whole zoo sample, the demo's dataset —, at most
// 1000: a study runs over thousands of images; with fewer, the fixed per-model work — probing the
// graph, a fresh session's first batches, k-means — weighs more, which BENCH_IMAGES=256 shows),
// BENCH_BATCH (default 16), BENCH_REPS (timed rounds, default 3), BENCH_MODEL (a vitPresets name,
// default vit_small_patch16_224, built with seeded random weights and no head; or `zoo:<method>`
// for examples/zoo/<method>.onnx).
// Imports the BUILT packages: `npm run bench:study` builds them first.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { readImage } from '@vit/io';
import { inspectModel, preprocessBatch, preprocessPreset, vitPresets, writeViT } from '@vit/runtime';
import { median, seconds, vitSessionOptions } from '../timing.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const N = Number(process.env.BENCH_IMAGES ?? 1000);
const B = Number(process.env.BENCH_BATCH ?? 16);
const REPS = Number(process.env.BENCH_REPS ?? 3);
const MODEL = process.env.BENCH_MODEL ?? 'vit_small_patch16_224';
const THREADS = availableParallelism(); // ViTSession's default intra-op threads; the bare session gets the same
const PRESET = 'imagenet';
if (!(Number.isInteger(N) && N >= 2 * B && N <= 1000)) throw new Error(`BENCH_IMAGES must be an integer from 2 × BENCH_BATCH (${2 * B}) to 1000 (the zoo sample's size). Got ${process.env.BENCH_IMAGES}.`);

const data = join(root, 'bench', '.data', 'study');
mkdirSync(data, { recursive: true });

// ---- the model -------------------------------------------------------------------------------
let modelPath;
if (MODEL.startsWith('zoo:')) {
  modelPath = join(root, 'examples', 'zoo', `${MODEL.slice(4)}.onnx`);
  if (!existsSync(modelPath)) throw new Error(`BENCH_MODEL ${MODEL}: ${modelPath} does not exist (the zoo has fs, clip, dino, mocov3, mae, beit, random).`);
} else {
  const preset = vitPresets[MODEL];
  if (!preset) throw new Error(`BENCH_MODEL ${MODEL} is not a vitPresets name (have: ${Object.keys(vitPresets).join(', ')}) nor zoo:<method>.`);
  modelPath = join(data, `${MODEL}.onnx`);
  if (!existsSync(modelPath)) {
    console.error(`building ${MODEL} (seeded random weights, no head) into ${modelPath} …`);
    await writeViT(modelPath, { ...preset.config, numClasses: 0 }, undefined, { seed: 0 });
  }
}

// ---- the images: the first N scenes of the zoo sample, in the folder layout, with its k-NN protocol
const sampleDir = join(root, 'examples', 'zoo', 'bench', 'sample');
const sample = JSON.parse(readFileSync(join(sampleDir, 'labels.json'), 'utf8'));
const datasetDir = join(data, `sample-${N}-v2`);
const files = sample.files.slice(0, N);
if (!existsSync(join(datasetDir, 'labels.json'))) {
  mkdirSync(join(datasetDir, 'images'), { recursive: true });
  for (const f of files) await copyFile(join(sampleDir, 'images', f), join(datasetDir, 'images', f));
  const half = N / 2 - ((N / 2) % 1);
  const labels = {
    source: `the first ${N} scenes of examples/zoo/bench/sample (written by bench/study/run.mjs)`,
    classes: sample.classes,
    files,
    labels: sample.labels.slice(0, N),
    knnProtocol: { k: Math.min(20, half), temperature: 0.07, train: [0, half], test: [half, N] }, // the paper's k = 20 when the train half has 20 images
  };
  await writeFile(join(datasetDir, 'labels.json'), `${JSON.stringify(labels)}\n`);
}
const paths = files.map((f) => join(datasetDir, 'images', f));

// ---- the study's config ------------------------------------------------------------------------
const configPath = join(data, `study-${MODEL.replace(/[^A-Za-z0-9_.-]/g, '_')}-${N}-${B}.json`);
const config = {
  title: `bench:study — ${MODEL}, ${N} images, batch ${B}`,
  seed: 0,
  batchSize: B,
  checkpointEvery: 10,
  device: 'cpu',
  models: [{ name: 'model', onnx: modelPath, preset: PRESET }],
  datasets: [{ name: 'sample', reader: 'folder', root: datasetDir }],
  analyses: [
    { type: 'attention', dataset: 'sample' },
    { type: 'cka', dataset: 'sample' },
    { type: 'clustering', dataset: 'sample', features: 'cls' },
    { type: 'knn', dataset: 'sample' },
  ],
  report: { enabled: false },
};
await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`);

// ---- the bare side -----------------------------------------------------------------------------
const sessionOptions = vitSessionOptions(THREADS);
const modelBytes = readFileSync(modelPath);
const probe = await ort.InferenceSession.create(modelBytes, sessionOptions);
const inputName = probe.inputNames[0];
await probe.release();
let checksum = 0;

/** Decode + preprocess + forward every image, batch by batch; the next batch decodes (libuv threads) while this one runs. */
async function bare(imageSize) {
  const session = await ort.InferenceSession.create(modelBytes, sessionOptions);
  const [h, w] = imageSize;
  // ViTSession.stream's transform for `preset` and the graph's input size: Resize → CenterCrop, bicubic, antialiased, the preset's mean/std.
  const transform = { ...preprocessPreset(PRESET, { crop: h }), crop: [h, w] };
  const decode = (from) => Promise.all(paths.slice(from, from + B).map((p) => readImage(p)));
  let next = decode(0);
  for (let from = 0; from < paths.length; from += B) {
    const images = await next;
    if (from + B < paths.length) next = decode(from + B);
    const pixels = preprocessBatch(images, transform);
    const out = await session.run({ [inputName]: new ort.Tensor('float32', pixels.data, pixels.shape) });
    for (const t of Object.values(out)) checksum += t.data[0];
  }
  await session.release();
}

// ---- the study side ----------------------------------------------------------------------------
let round = 0;
async function study() {
  const out = join(data, `out-${process.pid}-${round++}`);
  await rm(out, { recursive: true, force: true });
  try {
    const { runStudy } = await import('@vit/cli');
    const r = await runStudy(configPath, { out, intraOpThreads: THREADS }); // no progress sink: quiet
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8'));
    return { results, summary: r };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

// ---- run ---------------------------------------------------------------------------------------
const info = await inspectModel(modelPath);
const imageSize = info.imageSize;
console.log(`bench:study — ${MODEL} (${info.layers} layers, ${info.heads} heads, dim ${info.dim}, ${imageSize.join('×')}), ${N} images of the zoo sample, batch ${B}, ${THREADS} intra-op threads, ${REPS} rounds after a warm-up`);

await bare(imageSize); // warm-up: page cache, JIT, sharp
if (process.env.BENCH_ONLY === 'bare') {
  const t = [];
  for (let i = 0; i < REPS; i++) t.push(await seconds(() => bare(imageSize)));
  console.log(`bare onnxruntime forward: ${(N / median(t.map((x) => x.wall))).toFixed(2)} images/s (BENCH_ONLY=bare: no study, no ratio)`);
  process.exit(0);
}
let last = await study();
const tBare = [];
const tStudy = [];
for (let i = 0; i < REPS; i++) {
  tBare.push(await seconds(() => bare(imageSize)));
  const s = await seconds(study);
  last = s.extra;
  tStudy.push(s);
}

const ips = (ts, k) => N / median(ts.map((t) => t[k]));
const bareIps = ips(tBare, 'wall');
const studyIps = ips(tStudy, 'wall');
console.log(`bare onnxruntime forward (decode + preprocess + run)   ${bareIps.toFixed(2)} images/s   (${ips(tBare, 'cpu').toFixed(2)} images per CPU-second; median ${median(tBare.map((t) => t.wall)).toFixed(2)} s)`);
console.log(`vit study (attention suite + CKA + clustering + k-NN) ${studyIps.toFixed(2)} images/s   (${ips(tStudy, 'cpu').toFixed(2)} images per CPU-second; median ${median(tStudy.map((t) => t.wall)).toFixed(2)} s)`);
const pass = last?.summary?.passes?.[0];
if (pass) console.log(`last study round: the extraction pass (stream + every analysis's update) took ${pass.seconds.toFixed(2)} s of ${tStudy.at(-1).wall.toFixed(2)} s; the rest is opening the model and dataset, finishing the analyses (k-means, CKA, k-NN) and writing results.json`);
console.log(`(checksum ${checksum.toFixed(3)}; load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores)`);
console.log(`CPU-time ratio (less sensitive to other load): study / bare = ${(ips(tStudy, 'cpu') / ips(tBare, 'cpu')).toFixed(3)}`);
console.log(`ratio study / bare forward = ${(studyIps / bareIps).toFixed(3)}  (target ≥ 0.85)`);
