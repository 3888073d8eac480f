// npm run bench:extract — ViT-B/16 (random weights), batch 8, CPU, 2 threads:
//   1. plain onnxruntime forward (no taps)
//   2. the instrumented graph (12 attention + 12 block outputs) run bare by onnxruntime in this
//      thread: what the extra graph outputs cost by themselves (lost fusions, output buffers)
//   3. @vit/runtime ViTSession with all 12 attention + 12 block taps delivered to a consumer
//      (2. plus the inference worker, the transfer of the outputs and their canonical views)
//   4. PyTorch eager (Debian torch) with forward hooks collecting the same tensors, at its best
//      setting: Linear/Conv converted to oneDNN (torch.utils.mkldnn.to_mkldnn), OpenBLAS for the
//      rest (Debian's torch calls whatever libblas.so.3 the alternatives system points at; with only
//      libblas3 installed that is the netlib reference BLAS, ~10× slower), 2 OpenMP threads,
//      OMP_WAIT_POLICY=PASSIVE. See README.md.
// Imports the BUILT packages: `npm run bench:extract` builds them first.
// Timings interleave the three (plain, tapped, torch per round) and report medians: this machine is shared.
import { execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { tensor } from '@vit/io';
import { ViTSession, instrumentModel } from '@vit/runtime';
import { median, seconds, vitSessionOptions } from '../timing.mjs';

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

const sessionOptions = vitSessionOptions(THREADS);
const plain = await ort.InferenceSession.create(modelPath, sessionOptions);
const runPlain = async () => {
  await plain.run({ pixels: new ort.Tensor('float32', x.slice(), [B, 3, 224, 224]) });
};
// The instrumented graph itself, run bare (no worker, no canonical views).
const instrumented = await instrumentModel(new Uint8Array(readFileSync(modelPath)), { taps: ['attention', 'block'], layers: 'all' });
const bare = await ort.InferenceSession.create(instrumented.bytes, sessionOptions);
const runBare = async () => {
  const out = await bare.run({ pixels: new ort.Tensor('float32', x.slice(), [B, 3, 224, 224]) });
  for (const t of Object.values(out)) checksum += t.data[0];
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
// PyTorch eager + forward hooks, in a persistent Python process driven line by line.
// The peer's best setting: OpenBLAS when installed (BENCH_TORCH_BLAS=system keeps whatever
// libblas.so.3 the system points at), THREADS OpenMP threads, passive waiting.
const openblas = '/usr/lib/x86_64-linux-gnu/openblas-pthread';
const useOpenblas = process.env.BENCH_TORCH_BLAS !== 'system' && existsSync(join(openblas, 'libblas.so.3'));
const torchEnv = {
  ...process.env,
  OMP_WAIT_POLICY: 'PASSIVE',
  OMP_NUM_THREADS: String(THREADS),
  OPENBLAS_NUM_THREADS: String(THREADS),
  ...(useOpenblas ? { LD_LIBRARY_PATH: [openblas, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') } : {}),
};
const torch = spawn(py, [join(here, 'vit_b16.py'), 'serve', String(B)], { env: torchEnv, stdio: ['pipe', 'pipe', 'inherit'] });
const lines = createInterface({ input: torch.stdout })[Symbol.asyncIterator]();
const nextLine = async () => {
  const r = await lines.next();
  if (r.done) throw new Error('the PyTorch process ended early');
  return JSON.parse(r.value);
};
const torchInfo = await nextLine(); // ready: threads, OMP policy, the BLAS library it loaded
const runTorch = async () => {
  torch.stdin.write('run\n');
  const r = await nextLine();
  return { wall: r.seconds, cpu: r.cpuSeconds };
};

// Interleaved (plain, tapped, torch, plain, tapped, torch …) and medians, so load from other
// processes on this shared machine hits all three alike.
for (let i = 0; i < WARMUP; i++) {
  await runPlain();
  await runBare();
  await runTapped();
  await runTorch();
}
const tPlain = [];
const tBare = [];
const tTapped = [];
const tTorch = [];
for (let i = 0; i < ITERS; i++) {
  tPlain.push(await seconds(runPlain));
  tBare.push(await seconds(runBare));
  tTapped.push(await seconds(runTapped));
  tTorch.push(await runTorch());
}
torch.stdin.end();
await plain.release();
await bare.release();
await session.close();
const ips = (ts, k) => B / median(ts.map((t) => t[k]));
const rows = [
  ['plain onnxruntime (no taps)           ', tPlain],
  ['instrumented graph, bare onnxruntime  ', tBare],
  ['instrumented (12 attention + 12 block)', tTapped],
  ['PyTorch eager + forward hooks         ', tTorch],
];
for (const [name, ts] of rows) {
  console.log(`${name}  ${ips(ts, 'wall').toFixed(2)} images/s   (${ips(ts, 'cpu').toFixed(2)} images per CPU-second)`);
}
console.log(`PyTorch peer: ${torchInfo.threads} threads, OMP_WAIT_POLICY=${torchInfo.omp}, Linear/Conv on oneDNN: ${torchInfo.mkldnn}, BLAS ${torchInfo.blas}, torch ${torchInfo.torch}`);
const plainIps = ips(tPlain, 'wall');
const bareIps = ips(tBare, 'wall');
const tapIps = ips(tTapped, 'wall');
const torchIps = ips(tTorch, 'wall');
console.log(
  `(checksum ${checksum.toFixed(3)}; batch ${B}, ${THREADS} threads, medians of ${ITERS} interleaved batches after ${WARMUP} warm-up; load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores)`,
);
console.log(
  `CPU-time ratios (less sensitive to other load): instrumented / plain = ${(ips(tTapped, 'cpu') / ips(tPlain, 'cpu')).toFixed(3)}, instrumented / PyTorch = ${(ips(tTapped, 'cpu') / ips(tTorch, 'cpu')).toFixed(3)}`,
);
console.log(`where the instrumented run loses time: extra graph outputs ${(bareIps / plainIps).toFixed(3)} × session plumbing ${(tapIps / bareIps).toFixed(3)} (wall)`);
console.log(`ratio instrumented / plain onnxruntime = ${(tapIps / plainIps).toFixed(3)}  (target ≥ 0.90)`);
console.log(`ratio instrumented / PyTorch hooks     = ${(tapIps / torchIps).toFixed(3)}  (target ≥ 1.15)`);
