import type { Command } from 'commander';
import { VitError, VitIoError, VitValueError } from '@vit/io';
import { outputOf } from '../output.js';
import { parsePositiveInt } from '../parse.js';
import { writeSlurmScript, type SlurmScripts } from './slurm.js';

const VERB = 'vit study slurm';

interface Opts {
  out?: string;
  shards: string;
  partition?: string;
  time?: string;
  cpus?: string;
  mem?: string;
  gpus?: string;
  device?: string;
  jobName?: string;
  parallel?: string;
  sbatch?: string[];
  setup?: string[];
  vit?: string;
  merge: boolean;
  json?: boolean;
}

/** A library message in the CLI's words: the function goes, its arguments and options become the flags. */
function forCli(e: unknown): never {
  if (e instanceof VitError && / of writeSlurmScript/.test(e.message)) {
    const flag: Record<string, string> = { config: '<config>', out: '`--out`', shards: '`--shards`', jobName: '`--job-name`' };
    const message = e.message
      .replace(/ of writeSlurmScript/g, '')
      .replace(/`(?:options\.)?(\w+)(?:\[\d+\])?`/, (m, n: string) => flag[n] ?? (/^(partition|time|cpus|mem|gpus|device|parallel|sbatch|setup|vit)$/.test(n) ? `\`--${n}\`` : m));
    throw e instanceof VitIoError ? new VitIoError(message, { code: e.code, cause: e }) : new VitValueError(message, { code: e.code, cause: e });
  }
  throw e;
}

/**
 * `vit study slurm <config> --out DIR --shards N [--partition P] [--time T] [--cpus C] [--mem M]
 * [--gpus G] [--json]`: writes the Slurm scripts of a sharded study into `DIR/slurm/` (see
 * {@link writeSlurmScript}) and prints the command that submits them. Registered on the `study`
 * command by `commands/study.ts`.
 * @param study the `vit study` command.
 * @returns the `slurm` sub-command.
 * @example vit study slurm study.yaml --out runs/study --shards 8 --partition gpu --gpus 1 --time 2:00:00
 */
export function registerStudySlurm(study: Command): Command {
  const collect = (v: string, prev: string[] = []) => [...prev, v];
  return study
    .command('slurm')
    .description('Write an sbatch --array script that runs the study in N shards, plus a merge job that runs once they all succeeded, and print the command that submits them.')
    .argument('<config>', 'the study config (study.json or study.yaml)')
    .option('--out <dir>', "the study's output folder (the scripts go to <dir>/slurm/; required)")
    .requiredOption('--shards <n>', 'number of shards: array tasks 1..n, each runs `vit study --shard k/n`')
    .option('--partition <name>', 'Slurm partition')
    .option('--time <limit>', 'time limit per job (minutes, HH:MM:SS, D-HH:MM, …)')
    .option('--cpus <n>', 'CPUs per shard (--cpus-per-task)')
    .option('--mem <size>', 'memory per shard (e.g. 16G)')
    .option('--gpus <n>', 'GPUs per shard (--gres=gpu:n, or type:n); the shards then run with --device cuda')
    .option('--device <device>', 'cpu or cuda, passed to every shard (default: cuda with --gpus, else the config\'s)')
    .option('--job-name <name>', 'Slurm job name', 'vit-study')
    .option('--parallel <n>', 'at most n shards at a time (--array=1-N%n)')
    .option('--sbatch <option>', 'another sbatch option for every job, e.g. --sbatch=--account=lab (repeatable)', collect)
    .option('--setup <line>', 'a shell line run before vit in every job, e.g. "module load nodejs" (repeatable)', collect)
    .option('--vit <command>', 'the command that runs vit on the compute nodes, e.g. "npx vit" (default: this node and this vit, by absolute paths)')
    .option('--no-merge', 'do not submit the merge job (run `vit study merge DIR` yourself)')
    .option('--json', 'print exactly one JSON object')
    .action(async (config: string, _opts: Opts, cmd: Command) => {
      const { out } = outputOf(cmd);
      // `vit study` defines --out, --device and --json too, and commander gives them to it: read both.
      const opts = cmd.optsWithGlobals() as Opts;
      if (!opts.out) throw new VitValueError(`\`--out <dir>\` of ${VERB} is needed: the study's output folder (the scripts go to <dir>/slurm/).`);
      const shards = parsePositiveInt(opts.shards, '--shards', VERB);
      if (opts.device !== undefined && opts.device !== 'cpu' && opts.device !== 'cuda') throw new VitValueError(`\`--device\` of ${VERB} must be cpu or cuda. Got "${opts.device}".`);
      let s: SlurmScripts;
      try {
        s = await writeSlurmScript(config, opts.out, shards, {
          partition: opts.partition,
          time: opts.time,
          cpus: opts.cpus === undefined ? undefined : parsePositiveInt(opts.cpus, '--cpus', VERB),
          mem: opts.mem,
          gpus: opts.gpus,
          device: opts.device as 'cpu' | 'cuda' | undefined,
          jobName: opts.jobName,
          parallel: opts.parallel === undefined ? undefined : parsePositiveInt(opts.parallel, '--parallel', VERB),
          sbatch: opts.sbatch,
          setup: opts.setup,
          vit: opts.vit,
          merge: opts.merge,
        });
      } catch (e) {
        forCli(e);
      }
      if (opts.json) {
        out(`${JSON.stringify(s)}\n`); // the SlurmScripts object
        return;
      }
      const wrote = [s.shardScript, s.mergeScript, s.submitScript].filter(Boolean).join(', ');
      const then = s.mergeScript
        ? `it submits ${s.shards} shard${s.shards > 1 ? 's' : ''} as one array job, then \`vit study merge\` once every shard succeeded`
        : `it submits ${s.shards} shard${s.shards > 1 ? 's' : ''} as one array job; when they finished, run \`vit study merge ${s.out}\``;
      out(`wrote ${wrote}\nsubmit on the cluster's login node with:\n  ${s.command}\n(${then}; logs in ${s.logs})\n`);
    });
}
