#!/usr/bin/env node
// The Slurm test of `vit study` (issue 13): start a private single-node Slurm cluster
// (tools/slurm/start.sh), write the scripts of a 2-shard study with `vit study slurm`, submit them
// with the generated submit.sh (an sbatch --array job, then the merge with
// --dependency=afterok), wait for the jobs, read their exit codes from the cluster's job
// completion file, and check that the merged results.json equals the one of an unsharded
// `vit study` of the same config (every number within 1e-6 relative). The cluster is always
// stopped (tools/slurm/stop.sh), whatever happens.
//
//   npm run test:slurm        (builds, then runs this; installs Slurm with apt when missing: root)
//
// Environment: VIT_SLURM_TEST_TIMEOUT = seconds to wait for the jobs (default 600),
// VIT_SLURM_KEEP=1 keeps the work folder and the cluster's folder (logs) for a look afterwards.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildViT } from '@vit/runtime';
import { readResults } from '@vit/report';
import { compareStudies } from './compare.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const vitBin = join(root, 'packages', 'cli', 'bin', 'vit.js');
const keep = process.env.VIT_SLURM_KEEP === '1';
const timeoutS = Number(process.env.VIT_SLURM_TEST_TIMEOUT ?? 600);
const SHARDS = 2;
const IMAGES = 32; // 4 batches of 8 (CKA's minibatch): 2 per shard
const REL = 1e-6;
const t0 = Date.now();
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
const log = (s) => process.stderr.write(`slurm test: ${s}\n`);

class Failure extends Error {}
const fail = (msg) => {
  throw new Failure(msg);
};

/** Run a command; its stderr goes through; fail with its output on a non-zero exit. */
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, ...opts });
  if (r.error) fail(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) fail(`\`${[cmd, ...args].join(' ')}\` exited with ${r.status ?? r.signal}:\n${r.stdout}${r.stderr}`);
  if (r.stderr.trim()) process.stderr.write(r.stderr.replace(/^(?=.)/gm, '  | '));
  return r.stdout;
}

const work = mkdtempSync(join(tmpdir(), 'vit-slurm-test-'));
let cluster = null;
let stopped = false;
/** Stop the cluster (once) and remove the work folder. */
function cleanup() {
  if (stopped) return;
  stopped = true;
  if (cluster) {
    const t = Date.now();
    const r = spawnSync('bash', [join(here, 'stop.sh'), ...(keep ? ['--keep'] : []), cluster], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status === 0) log(`cluster stopped in ${secs(Date.now() - t)}`);
    else log(`could not stop the cluster in ${cluster} (exit ${r.status}): stop it with tools/slurm/stop.sh ${cluster}`);
  }
  if (keep) log(`kept ${work}${cluster ? ` and ${cluster}` : ''}`);
  else rmSync(work, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    log(`${sig}: stopping the cluster`);
    cleanup();
    process.exit(130);
  });
}

/** The job completion file's records: one object of KEY=VALUE fields per finished job. */
function jobRecords(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => Object.fromEntries([...l.matchAll(/(\w+)=(\S*)/g)].map((m) => [m[1], m[2]])));
}

/** Every file of the jobs' log folder, for a failure message. */
function jobLogs(dir) {
  if (!existsSync(dir)) return `(no log folder ${dir})`;
  return readdirSync(dir)
    .sort()
    .map((f) => `--- ${join(dir, f)}\n${readFileSync(join(dir, f), 'utf8').split('\n').slice(-30).join('\n')}`)
    .join('\n');
}

let code = 0;
try {
  if (!existsSync(join(root, 'packages', 'cli', 'dist', 'bin.js'))) fail('@vit/cli is not built: run `npm run build` first (npm run test:slurm does).');

  // A tiny study: two tiny seeded ViTs built here, 32 images of the zoo's sample, attention + CKA.
  writeFileSync(join(work, 'a.onnx'), buildViT({ imageSize: 32, patchSize: 8, dim: 16, depth: 2, heads: 2 }, undefined, { seed: 1 }));
  writeFileSync(join(work, 'b.onnx'), buildViT({ imageSize: 32, patchSize: 8, dim: 16, depth: 2, heads: 2 }, undefined, { seed: 2 }));
  const sample = join(root, 'examples', 'zoo', 'bench', 'sample', 'images');
  mkdirSync(join(work, 'images'));
  for (const f of readdirSync(sample).filter((x) => x.endsWith('.png')).sort().slice(0, IMAGES)) copyFileSync(join(sample, f), join(work, 'images', f));
  const config = join(work, 'study.json');
  writeFileSync(
    config,
    `${JSON.stringify(
      {
        title: 'Slurm test',
        seed: 0,
        batchSize: 8,
        checkpointEvery: 1,
        checkpointSeconds: 0,
        models: [
          { name: 'a', method: 'fs', onnx: 'a.onnx', preset: 'imagenet' },
          { name: 'b', method: 'dino', onnx: 'b.onnx', preset: 'imagenet' },
        ],
        datasets: [{ name: 'imgs', reader: 'folder', root: 'images' }],
        analyses: [
          { type: 'attention', dataset: 'imgs' },
          { type: 'cka', dataset: 'imgs' },
        ],
        report: { enabled: false },
      },
      null,
      2,
    )}\n`,
  );

  // The cluster.
  let t = Date.now();
  cluster = run('bash', [join(here, 'start.sh')]).trim().split('\n').pop();
  const startMs = Date.now() - t;
  const env = { ...process.env, SLURM_CONF: join(cluster, 'slurm.conf') };

  // The scripts, written by the command a user runs.
  const sharded = join(work, 'sharded');
  const s = JSON.parse(run(process.execPath, [vitBin, 'study', 'slurm', config, '--out', sharded, '--shards', String(SHARDS), '--json']));
  if (s.shards !== SHARDS || !existsSync(s.shardScript) || !existsSync(s.mergeScript) || !existsSync(s.submitScript)) fail(`vit study slurm --json printed ${JSON.stringify(s)}`);

  // Submit as printed (`bash <submit.sh>`), wait for the array and the merge.
  t = Date.now();
  const submitted = run('bash', [s.submitScript], { env, cwd: work });
  process.stderr.write(submitted.replace(/^(?=.)/gm, '  > '));
  const ids = /array job (\d+) and the merge as job (\d+)/.exec(submitted);
  if (!ids) fail(`submit.sh did not print the job ids: ${submitted}`);
  const [arrayId, mergeId] = [ids[1], ids[2]];
  const jobcomp = join(cluster, 'jobcomp.txt');
  const ours = () => jobRecords(jobcomp).filter((r) => r.ArrayJobId === arrayId || r.JobId === mergeId);
  let records = ours();
  while (records.length < SHARDS + 1) {
    if (Date.now() - t > timeoutS * 1000) {
      const q = spawnSync('squeue', ['-o', '%i %j %T %r'], { env, encoding: 'utf8' });
      fail(`the jobs did not finish within ${timeoutS} s (VIT_SLURM_TEST_TIMEOUT); finished: ${records.length} of ${SHARDS + 1}\nsqueue:\n${q.stdout}${q.stderr}\n${jobLogs(s.logs)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
    records = ours();
  }
  const jobsMs = Date.now() - t;
  const shards = records.filter((r) => r.ArrayJobId === arrayId).sort((x, y) => Number(x.ArrayTaskId) - Number(y.ArrayTaskId));
  const merge = records.find((r) => r.JobId === mergeId && r.ArrayJobId === undefined);
  const states = [...shards.map((r) => `shard ${r.ArrayTaskId}: ${r.JobState} exit ${r.ExitCode}`), `merge: ${merge?.JobState} exit ${merge?.ExitCode}`];
  log(`jobs finished in ${secs(jobsMs)}: ${states.join(', ')}`);
  if (shards.map((r) => r.ArrayTaskId).join() !== '1,2' || !merge) fail(`expected array tasks 1,2 and the merge in ${jobcomp}; got ${JSON.stringify(records)}`);
  if (![...shards, merge].every((r) => r.JobState === 'COMPLETED' && r.ExitCode === '0:0')) fail(`a job failed (${states.join(', ')})\n${jobLogs(s.logs)}`);

  // Each shard left its own states; the merge job wrote results.json.
  for (const m of ['a', 'b']) {
    for (let k = 1; k <= SHARDS; k++) {
      const d = join(sharded, 'cache', 'passes', m, 'imgs', `shard-${k}-of-${SHARDS}`);
      if (!existsSync(d)) fail(`shard ${k} left no states for model ${m}: ${d} is missing\n${jobLogs(s.logs)}`);
    }
  }
  if (!existsSync(join(sharded, 'results.json'))) fail(`the merge job wrote no ${join(sharded, 'results.json')}\n${jobLogs(s.logs)}`);

  // The same study in one run, here.
  t = Date.now();
  const single = join(work, 'single');
  run(process.execPath, [vitBin, 'study', config, '--out', single, '--quiet']);
  const singleMs = Date.now() - t;
  const { diffs, numbers, worst } = compareStudies(await readResults(single), await readResults(sharded), REL);
  if (numbers < 50) fail(`results.json holds only ${numbers} numbers: the study computed too little to compare`);
  if (diffs.length) fail(`the merged results.json differs from the single run's (tolerance ${REL} relative):\n  ${diffs.join('\n  ')}`);
  log(`results.json of ${SHARDS} Slurm shards + merge = the single run's: ${numbers} numbers, largest relative difference ${worst.toExponential(2)} (tolerance ${REL})`);
  log(`times: cluster start ${secs(startMs)}, array + merge jobs ${secs(jobsMs)}, single run ${secs(singleMs)}`);
} catch (e) {
  code = 1;
  log(`FAILED: ${e instanceof Failure ? e.message : (e?.stack ?? e)}`);
} finally {
  cleanup();
}
if (!code) log(`passed in ${secs(Date.now() - t0)}`);
process.exit(code);
