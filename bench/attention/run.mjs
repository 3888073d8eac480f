// Benchmark of @vit/attention: `npm run bench:attention` builds the packages, then runs this.
//
// Times the whole attention suite — average CLS maps, AAAM, attention distance, saliency IoU
// (AttentionSuiteAccumulator: one shared pass per layer), then offsets and the head taxonomy — on
// ViT-B/16-sized input: 12 layers of [8,12,197,197] random row-stochastic attention. Against it,
// the ONNX forward pass of a ViT-B/16 (built with buildViT from @vit/runtime, random weights) at
// batch 8 with onnxruntime-node, measured in the same run. Target: suite / forward ≤ 0.10.
// Each timing is the median of REPS (default 5) runs after one warm-up. Prints the ratio last.
import { performance } from 'node:perf_hooks';
import { tensor } from '@vit/io';
import {
  AAAMAccumulator,
  AttentionDistanceAccumulator,
  AttentionSuiteAccumulator,
  AverageCLSAccumulator,
  SaliencyIoUAccumulator,
  alignedAttention,
  attentionDistance,
  attentionOffset,
  classifyHeads,
  clsAttention,
  saliencyIoU,
} from '@vit/attention';

const L = 12;
const B = 8;
const H = 12;
const grid = { gh: 14, gw: 14, prefix: 1 };
const T = grid.prefix + grid.gh * grid.gw;
const REPS = Number(process.env.REPS ?? 5);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(fn, reps = REPS) {
  fn(); // warm-up (JIT, allocation)
  const ts = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

// Random row-stochastic attention (xorshift uniforms, then each row divided by its sum).
let seed = 0x2545f491;
const rand = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
};
const attention = Array.from({ length: L }, () => {
  const d = new Float32Array(B * H * T * T);
  for (let row = 0; row < B * H * T; row++) {
    let s = 0;
    for (let k = 0; k < T; k++) s += d[row * T + k] = rand() ** 4; // peaked-ish rows
    for (let k = 0; k < T; k++) d[row * T + k] /= s;
  }
  return tensor(d, [B, H, T, T]);
});
const gtData = new Uint8Array(B * 196);
for (let b = 0; b < B; b++) for (let i = 3; i < 11; i++) for (let j = 4 + b % 3; j < 10; j++) gtData[b * 196 + i * 14 + j] = 1;
const gt = tensor(gtData, [B, 14, 14]);
const batch = { attention, grid, masks: gt };

console.log(`@vit/attention benchmark: ${L} layers of [${B},${H},${T},${T}] float32 (${((L * B * H * T * T * 4) / 2 ** 20).toFixed(0)} MiB), median of ${REPS}`);

// Per-analysis breakdown (functional API, all 12 layers).
const parts = {
  'CLS maps (clsAttention)': () => attention.forEach((a) => clsAttention(a, grid)),
  'AAAM (alignedAttention)': () => attention.forEach((a) => alignedAttention(a, grid)),
  'distance (attentionDistance)': () => attention.forEach((a) => attentionDistance(a, grid)),
  'saliency IoU (saliencyIoU, cls)': () => attention.forEach((a) => saliencyIoU(a, grid, gt)),
};
for (const [name, fn] of Object.entries(parts)) console.log(`  ${name.padEnd(34)} ${time(fn).toFixed(1).padStart(8)} ms`);

// The four accumulators run one by one (each reads the attention itself).
function separate() {
  new AverageCLSAccumulator().update(batch).result();
  new AAAMAccumulator().update(batch).result();
  new AttentionDistanceAccumulator().update(batch).result();
  new SaliencyIoUAccumulator({ source: 'cls' }).update(batch).result();
}
console.log(`  ${'four accumulators, one by one'.padEnd(48)} ${time(separate).toFixed(1).padStart(8)} ms`);

// The whole suite, as a study runs it: one AttentionSuiteAccumulator (CLS maps, AAAM, distance,
// saliency IoU sharing one pass per layer), then offsets of every layer and the head taxonomy.
function suite() {
  const s = new AttentionSuiteAccumulator({ saliency: { source: 'cls' } }).update(batch);
  const r = s.result();
  const a = r.aaam.aaam;
  const W = a.shape[2] * a.shape[3];
  for (let l = 0; l < L; l++) attentionOffset(tensor(a.data.subarray(l * H * W, (l + 1) * H * W), [H, a.shape[2], a.shape[3]]));
  return classifyHeads(a, r.distance.perHead);
}
suite(); // warm-up
console.log(`  ${'whole suite (AttentionSuiteAccumulator + offsets + taxonomy)'.padEnd(48)} ${time(suite).toFixed(1).padStart(8)} ms`);

// The ONNX forward pass of ViT-B/16 at batch 8, same process. The machine is shared, so suite
// and forward are timed in alternation (same load for both) and the ratio is the median of the
// per-round ratios.
let ratio = NaN;
try {
  const runtime = await import('@vit/runtime');
  const ort = await import('onnxruntime-node');
  // ViT-B/16 (timm vit_base_patch16_224), seeded random weights, no taps: the plain forward.
  const config = runtime.vitPresets.vit_base_patch16_224.config;
  const bytes = runtime.buildViT(config, undefined, { taps: [], seed: 1 });
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all' });
  const input = session.inputNames[0];
  const pixels = new Float32Array(B * 3 * 224 * 224);
  for (let i = 0; i < pixels.length; i++) pixels[i] = rand() * 2 - 1;
  const feeds = { [input]: new ort.Tensor('float32', pixels, [B, 3, 224, 224]) };
  const fetches = [session.outputNames[0]];
  await session.run(feeds, fetches); // warm-up
  const su = [];
  const fw = [];
  const ra = [];
  for (let r = 0; r < REPS; r++) {
    let t0 = performance.now();
    suite();
    su.push(performance.now() - t0);
    t0 = performance.now();
    await session.run(feeds, fetches);
    fw.push(performance.now() - t0);
    ra.push(su[r] / fw[r]);
  }
  ratio = median(ra);
  console.log(`  ${'ONNX forward ViT-B/16, batch 8 (onnxruntime-node)'.padEnd(48)} ${median(fw).toFixed(1).padStart(8)} ms  (outputs fetched: ${fetches.join(', ')})`);
  console.log(`  alternating rounds: suite ${su.map((x) => x.toFixed(0)).join(' ')} ms; forward ${fw.map((x) => x.toFixed(0)).join(' ')} ms; ratios ${ra.map((x) => x.toFixed(3)).join(' ')}`);
  await session.release?.();
} catch (e) {
  console.log(`  ONNX forward: not measured — ${e instanceof Error ? e.message : e}`);
}
console.log(`  load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')} on ${(await import('node:os')).cpus().length} cores`);
console.log(`ratio suite / forward = ${Number.isFinite(ratio) ? ratio.toFixed(3) : 'n/a'} (median of per-round ratios; target ≤ 0.10)`);
