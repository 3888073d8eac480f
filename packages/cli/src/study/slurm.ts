// `vit study slurm`: the Slurm scripts that run a study's shards as one array job and merge them
// in a job that depends on it (issue 13, "Scale out on an existing engine").
import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VitIoError, VitValueError, atomicWrite } from '@vit/io';
import { loadStudyConfig } from './loadConfig.js';

/** Options of {@link writeSlurmScript}: what each job asks Slurm for, and how it runs `vit`. */
export interface WriteSlurmScriptOptions {
  /** Slurm partition (`--partition`); a comma list lets Slurm pick. @default the cluster's default partition */
  partition?: string;
  /** Time limit of each job (`--time`: `minutes`, `HH:MM:SS`, `D-HH:MM`, …). @default the partition's limit */
  time?: string;
  /** CPUs per shard (`--cpus-per-task`). @default Slurm's default (1) */
  cpus?: number;
  /** Memory per shard (`--mem`, e.g. `16G`). @default the partition's default */
  mem?: string;
  /**
   * GPUs per shard (`--gres=gpu:N`; `a100:1` asks for a type). When set, the shards run their
   * sessions with `--device cuda` unless {@link WriteSlurmScriptOptions.device} says otherwise.
   * @default none
   */
  gpus?: number | string;
  /** `--device` passed to every shard's `vit study`. @default `cuda` with {@link WriteSlurmScriptOptions.gpus}, else the config's device */
  device?: 'cpu' | 'cuda';
  /** Job name (`--job-name`); the merge job gets `<name>-merge`. @default `vit-study` */
  jobName?: string;
  /** Shards running at the same time (`--array=1-N%P`). @default no limit */
  parallel?: number;
  /** Further sbatch options, one per entry (`--account=lab`, `--qos=short`); a leading `#SBATCH` is allowed. @default [] */
  sbatch?: string[];
  /** Shell lines run before `vit` in each job (`module load nodejs/20`, `source venv/bin/activate`). @default [] */
  setup?: string[];
  /**
   * The shell command that runs `vit` on the compute nodes (`npx vit`, `/opt/node/bin/node /srv/vit/bin/vit.js`).
   * @default this Node (`process.execPath`) running this package's `bin/vit.js`, by absolute paths
   */
  vit?: string;
  /** Submit `vit study merge DIR` as a job that starts once every shard succeeded; `false` leaves the merge to the user. @default true */
  merge?: boolean;
}

/** What {@link writeSlurmScript} wrote (absolute paths). */
export interface SlurmScripts {
  /** The study's output folder. */
  out: string;
  /** Number of shards (array tasks `1..shards`). */
  shards: number;
  /** The array job script: shard `$SLURM_ARRAY_TASK_ID` of `shards`. */
  shardScript: string;
  /** The merge job script, when `merge` is on. */
  mergeScript?: string;
  /** Submits the array job, then the merge with `--dependency=afterok:<array job id>`. */
  submitScript: string;
  /** Folder of the jobs' logs (`shard-<array job>_<task>.log`, `merge-<job>.log`). */
  logs: string;
  /** The command to run on the cluster's login node: `bash <submitScript>`. */
  command: string;
}

const TIME = /^(?:\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2}|UNLIMITED|INFINITE)$/;

/** A word for a POSIX shell, single-quoted. */
function sh(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * A path inside an `#SBATCH` line (sbatch splits those lines on blanks and honours double quotes);
 * with `pattern`, the file name of an `--output` pattern (`%A`, `%a`, `%j`) in folder `path`, whose
 * own `%` are escaped.
 */
function sbatchPath(path: string, pattern?: string): string {
  const p = pattern === undefined ? path : join(path.replace(/%/g, '%%'), pattern);
  return /\s/.test(p) ? `"${p}"` : p;
}

function bad(name: string, value: unknown, allowed: string): never {
  throw new VitValueError(`\`options.${name}\` of writeSlurmScript must be ${allowed}. Got ${JSON.stringify(value)}.`);
}

/** One line, no characters that would end or split a script line. */
function oneLine(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || /[\r\n\0]/.test(value)) bad(name, value, 'a non-empty string on one line');
  return value.trim();
}

/** This package's `bin/vit.js`, found upward from this module (src/study/ in the sources, dist/ when built). */
function packageBin(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const bin = join(dir, 'bin', 'vit.js');
    if (existsSync(bin) && existsSync(join(dir, 'package.json'))) return bin;
    dir = dirname(dir);
  }
  throw new VitValueError('writeSlurmScript: cannot find the bin/vit.js of @vit/cli beside this module; pass `options.vit`, the command that runs vit on the compute nodes.');
}

/**
 * Write the Slurm scripts of a sharded study into `<out>/slurm/`: an `sbatch --array=1-N` job whose
 * task k runs `vit study <config> --out <out> --shard k/N`, a merge job (`vit study merge <out>`),
 * and `submit.sh`, which submits the array (`sbatch --parsable`) and then the merge with
 * `--dependency=afterok:<array job id>` (cancelled if a shard fails). Paths in the scripts are
 * absolute; every job sets `--output` (into `<out>/slurm/logs/`) and `--chdir`. Every file is
 * written atomically. The compute nodes must see `config`, `out` and `vit` at the same paths
 * (a shared file system, as on every Slurm cluster).
 * @param config the study config (study.json / study.yaml).
 * @param out the study's output folder (created if needed).
 * @param shards number of shards N (≥ 1): the array's tasks 1..N.
 * @param options partition, time, cpus, mem, gpus, extra sbatch lines, the command that runs vit.
 * @returns the scripts' paths and the command to run (`bash <out>/slurm/submit.sh`).
 * @throws VitValueError on a bad option, or `VIT_STUDY_CONFIG` for a config that does not validate (it
 *   is read first, so that a bad config fails here rather than in every job); VitIoError
 *   `VIT_NOT_FOUND` when `config` does not exist.
 * @example
 * const s = await writeSlurmScript('study.yaml', 'runs/study', 8, { partition: 'gpu', gpus: 1, time: '2:00:00' });
 * console.log(s.command); // bash /abs/runs/study/slurm/submit.sh
 */
export async function writeSlurmScript(config: string, out: string, shards: number, options: WriteSlurmScriptOptions = {}): Promise<SlurmScripts> {
  if (typeof config !== 'string' || config === '') throw new VitValueError(`\`config\` of writeSlurmScript must be the path of a study config. Got ${JSON.stringify(config)}.`);
  if (typeof out !== 'string' || out === '') throw new VitValueError(`\`out\` of writeSlurmScript must be the path of the study's output folder. Got ${JSON.stringify(out)}.`);
  if (!Number.isInteger(shards) || shards < 1) throw new VitValueError(`\`shards\` of writeSlurmScript must be a whole number ≥ 1. Got ${JSON.stringify(shards)}.`);
  const cfg = resolve(config);
  const dir = resolve(out);
  for (const [name, p] of [['config', cfg], ['out', dir]] as const) {
    if (/["\r\n\0]/.test(p)) throw new VitValueError(`\`${name}\` of writeSlurmScript must be a path without double quotes or line breaks (sbatch cannot read it). Got ${JSON.stringify(p)}.`);
  }

  const o = options;
  const head: string[] = [];
  if (o.partition !== undefined && !(typeof o.partition === 'string' && /^[\w.-]+(?:,[\w.-]+)*$/.test(o.partition))) bad('partition', o.partition, 'a partition name or a comma list of them');
  if (o.time !== undefined && !(typeof o.time === 'string' && TIME.test(o.time))) bad('time', o.time, 'a Slurm time limit: minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS');
  if (o.cpus !== undefined && !(Number.isInteger(o.cpus) && o.cpus >= 1)) bad('cpus', o.cpus, 'a whole number ≥ 1');
  if (o.mem !== undefined && !(typeof o.mem === 'string' && /^[1-9]\d*[KMGT]?$/i.test(o.mem))) bad('mem', o.mem, 'a size such as 4000 (MB), 16G or 512M');
  const gpus = o.gpus === undefined || o.gpus === 0 || o.gpus === '0' ? undefined : String(o.gpus);
  if (gpus !== undefined && !/^(?:[\w.-]+:)?[1-9]\d*$/.test(gpus)) bad('gpus', o.gpus, 'a GPU count, or type:count (e.g. 1 or a100:2)');
  if (o.device !== undefined && o.device !== 'cpu' && o.device !== 'cuda') bad('device', o.device, '"cpu" or "cuda"');
  const jobName = o.jobName ?? 'vit-study';
  if (!(typeof jobName === 'string' && /^[\w.-]+$/.test(jobName))) bad('jobName', o.jobName, 'letters, digits, ".", "_" or "-"');
  if (o.parallel !== undefined && !(Number.isInteger(o.parallel) && o.parallel >= 1)) bad('parallel', o.parallel, 'a whole number ≥ 1');
  if (o.sbatch !== undefined && !Array.isArray(o.sbatch)) bad('sbatch', o.sbatch, 'a list of sbatch options');
  if (o.setup !== undefined && !Array.isArray(o.setup)) bad('setup', o.setup, 'a list of shell lines');
  const extra = (o.sbatch ?? []).map((l, i) => {
    const line = oneLine(`sbatch[${i}]`, l).replace(/^#SBATCH\s+/, '');
    if (!line.startsWith('-')) bad(`sbatch[${i}]`, l, 'an sbatch option such as --account=lab');
    if (/^--?(?:array|a|output|o|chdir|D|dependency|d)(?:[=\s]|$)/.test(line)) bad(`sbatch[${i}]`, l, 'an option other than --array, --output, --chdir and --dependency (the scripts set those)');
    return line;
  });
  const setup = (o.setup ?? []).map((l, i) => oneLine(`setup[${i}]`, l));
  const vit = o.vit === undefined ? `${sh(process.execPath)} ${sh(packageBin())}` : oneLine('vit', o.vit);
  const device = o.device ?? (gpus !== undefined ? 'cuda' : undefined);
  const merge = o.merge ?? true;

  // A bad config fails here, in one line, rather than in every job.
  await loadStudyConfig(cfg);

  const slurmDir = join(dir, 'slurm');
  const logs = join(slurmDir, 'logs');
  const shardScript = join(slurmDir, 'shards.sbatch');
  const mergeScript = join(slurmDir, 'merge.sbatch');
  const submitScript = join(slurmDir, 'submit.sh');
  if (o.partition) head.push(`--partition=${o.partition}`);
  if (o.time) head.push(`--time=${o.time}`);
  if (o.cpus) head.push(`--cpus-per-task=${o.cpus}`);
  if (o.mem) head.push(`--mem=${o.mem.toUpperCase()}`);
  const directives = (lines: string[]) => lines.map((l) => `#SBATCH ${l}`).join('\n');
  const prologue = ['set -euo pipefail', ...setup].join('\n');
  const study = `${vit} study ${sh(cfg)} --out ${sh(dir)}`;

  const shardText = `#!/bin/bash
# Shard $SLURM_ARRAY_TASK_ID of ${shards} of \`vit study\`: written by \`vit study slurm\`; submit with ${submitScript}
# (or \`sbatch ${shardScript}\`, then \`vit study merge ${dir}\` once every shard finished).
${directives([
  `--job-name=${jobName}`,
  `--array=1-${shards}${o.parallel ? `%${o.parallel}` : ''}`,
  `--output=${sbatchPath(logs, 'shard-%A_%a.log')}`,
  `--chdir=${sbatchPath(dirname(cfg))}`,
  ...head,
  ...(gpus !== undefined ? [`--gres=gpu:${gpus}`] : []),
  ...extra,
])}
${prologue}
exec ${study} --shard "$SLURM_ARRAY_TASK_ID/${shards}"${device ? ` --device ${device}` : ''}
`;
  const mergeText = `#!/bin/bash
# Merges the ${shards} shards of \`vit study\` into ${join(dir, 'results.json')} and the report: written by
# \`vit study slurm\`; submit.sh submits it with --dependency=afterok:<the shards' array job>.
${directives([
  `--job-name=${jobName}-merge`,
  `--output=${sbatchPath(logs, 'merge-%j.log')}`,
  `--chdir=${sbatchPath(dirname(cfg))}`,
  ...head,
  ...extra,
])}
${prologue}
exec ${vit} study merge ${sh(dir)}
`;
  const submitText = `#!/usr/bin/env bash
# Submits the ${shards} shards of \`vit study\` as one Slurm array job${merge ? ', then the merge, which starts once every shard succeeded (and is cancelled if one fails)' : ''}.
# Written by \`vit study slurm\`. Arguments go to every sbatch call (e.g. --account=lab).
set -euo pipefail
array=$(sbatch --parsable "$@" ${sh(shardScript)})
array=\${array%%;*}
${
  merge
    ? `job=$(sbatch --parsable --dependency=afterok:"$array" --kill-on-invalid-dep=yes "$@" ${sh(mergeScript)})
job=\${job%%;*}
echo "submitted ${shards} shards as array job $array and the merge as job $job (it runs once every shard succeeded)"
echo "follow them with: squeue -j $array,$job"
echo ${sh(`logs: ${logs}/  results: ${join(dir, 'results.json')}`)}`
    : `echo "submitted ${shards} shards as array job $array"
echo "follow them with: squeue -j $array"
echo ${sh(`logs: ${logs}/`)}
echo ${sh(`once every shard finished, merge them with: ${vit} study merge ${sh(dir)}`)}`
}
`;

  try {
    await mkdir(logs, { recursive: true });
  } catch (e) {
    throw new VitIoError(`cannot create the folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); pass an --out folder you can write.`, { code: 'VIT_IO_WRITE', file: logs, cause: e });
  }
  await atomicWrite(shardScript, shardText);
  if (merge) await atomicWrite(mergeScript, mergeText);
  await atomicWrite(submitScript, submitText);
  await chmod(submitScript, 0o755);
  return { out: dir, shards, shardScript, ...(merge ? { mergeScript } : {}), submitScript, logs, command: `bash ${sh(submitScript)}` };
}
