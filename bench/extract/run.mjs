// npm run bench:extract — ViT-B/16 (random weights), batch 8, CPU, 2 threads:
//   1. plain onnxruntime forward (no taps)
//   2. @vit/runtime ViTSession with all 12 attention + 12 block taps delivered to a consumer
//   3. PyTorch eager (Debian torch, 2 threads, OMP_WAIT_POLICY=PASSIVE) with forward hooks collecting the same tensors
// Imports the BUILT packages: run `npx tsup` in packages/io and packages/runtime first.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { tensor } from '@vit/io';
import { ViTSession } from '@vit/runtime';

const here = fileURLToPath(new URL('.', import.meta.url));
const B = 8;
const THREADS = 2;
const ITERS = Number(process.env.BENCH_ITERS ?? 5);
const WARMUP = 1;
const py = '/usr/bin/python3';

const cache = join(tmpdir(), 'vit-bench-extract');
mkdirSync(cache, { recursive: true });
const modelPath = join(cache, 'vit_b16.onnx');
if (!existsSync(modelPath)) {
  console.error(`exporting ViT-B/16 to ${modelPath} …`);
  execFileSync(py, [join(here, 'vit_b16.py'), 'export', modelPath], { stdio: ['ignore', 'ignore', 'inherit'] });
}

const x = new Float32Array(B * 3 * 224 * 224);
for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.001) * 2;

/** Median seconds of one call. */
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
async function seconds(fn) {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

const plain = await ort.InferenceSession.create(modelPath, {
  intraOpNumThreads: THREADS,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  executionMode: 'sequential',
});
const runPlain = async () => {
  await plain.run({ pixels: new ort.Tensor('float32', x.slice(), [B, 3, 224, 224]) });
};
const session = await ViTSession.create(modelPath, { taps: ['attention', 'block'], layers: 'all', batchSize: B, intraOpThreads: THREADS });
const pixels = tensor(x, [B, 3, 224, 224]);
let checksum = 0;
const runTapped = async () => {
  const cap = await session.run(pixels);
  // The consumer: read every tap (first attention probability of each layer, first feature of each block).
  for (const a of cap.taps.attention) checksum += a.data[0];
  for (const b of cap.taps.block) checksum += b.data[0];
  if (cap.taps.attention.length !== 12 || cap.taps.block.length !== 12) throw new Error('missing taps');
};
// Interleaved (plain, tapped, plain, tapped …) and medians, so load from other processes hits both alike.
for (let i = 0; i < WARMUP; i++) {
  await runPlain();
  await runTapped();
}
const tPlain = [];
const tTapped = [];
for (let i = 0; i < ITERS; i++) {
  tPlain.push(await seconds(runPlain));
  tTapped.push(await seconds(runTapped));
}
await plain.release();
await session.close();
const plainIps = B / median(tPlain);
const tapIps = B / median(tTapped);
console.log(`plain onnxruntime (no taps)            ${plainIps.toFixed(2)} images/s`);
console.log(`instrumented (12 attention + 12 block) ${tapIps.toFixed(2)} images/s`);

// 3. PyTorch eager with forward hooks.
const torchOut = execFileSync(py, [join(here, 'vit_b16.py'), 'hooks', String(B), String(ITERS), String(WARMUP)], {
  env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE', OMP_NUM_THREADS: String(THREADS) },
  encoding: 'utf8',
});
const torchIps = JSON.parse(torchOut.trim().split('\n').pop()).imagesPerSecond;
console.log(`PyTorch eager + forward hooks         ${torchIps.toFixed(2)} images/s`);

console.log(`(checksum ${checksum.toFixed(3)}; batch ${B}, ${THREADS} threads, ${ITERS} timed batches after ${WARMUP} warm-up)`);
console.log(`ratio instrumented / plain onnxruntime = ${(tapIps / plainIps).toFixed(3)}  (target ≥ 0.90)`);
console.log(`ratio instrumented / PyTorch hooks     = ${(tapIps / torchIps).toFixed(3)}  (target ≥ 1.15)`);
