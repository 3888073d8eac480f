import { resolve } from 'node:path';
import { CommanderError, type Command } from 'commander';
import { VitValueError } from '@vit/io';
import { outputOf } from '../output.js';
import { registerStudyInit } from '../study/init.js';
import { registerStudySlurm } from '../study/registerStudySlurm.js';
import { mergeStudy } from '../study/mergeStudy.js';
import { StudyProgress, type StudyProgressMode } from '../study/progress.js';
import { runStudy, type StudyPassSummary } from '../study/runStudy.js';

/** The JSON object `vit study --json` (and `vit study merge --json`) prints. */
export interface StudyJson {
  /** The output folder (absolute). */
  out: string;
  /** results.json, or null for one shard of several (or a stopped run). */
  results: string | null;
  /** The report's index.html, or null. */
  report: string | null;
  passes: StudyPassSummary[];
  /** The report's verdicts on the paper's findings (empty without a report). */
  findings: { id: string; status: string; evidence: string }[];
  /** The shard that ran, `k/N` (`vit study`). */
  shard?: string;
  /** Shards merged per pass (`vit study merge`). */
  shards?: number;
  /** Set when Ctrl-C stopped the run. */
  stopped?: { model: string; dataset: string; done: number; total: number };
  /** Images that could not be decoded. */
  skipped?: { file: string; reason: string; dataset: string }[];
}

interface StudyFlags {
  out?: string;
  shard?: string;
  device?: string;
  threads?: string;
  quiet?: boolean;
  json?: boolean;
}

function progressMode(f: StudyFlags, errIsTTY: boolean): StudyProgressMode {
  return f.quiet ? 'quiet' : errIsTTY ? 'tty' : 'log';
}

/** The command line as typed (for the provenance). */
function commandLine(): string {
  return ['vit', ...process.argv.slice(2)].map((a) => (/^[\w./:=,@+-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}

/**
 * `vit study <config> --out DIR [--shard k/N|auto/N] [--device cuda] [--quiet] [--json]` runs the
 * whole study of a config (resuming where a previous run stopped); `vit study merge DIR` combines
 * the shards' states. Ctrl-C (or SIGTERM) finishes the current batch, writes the checkpoint and
 * exits 130.
 * @param program the `vit` program.
 * @returns the `study` command (its subcommands: `merge`, `init`, `slurm`).
 * @example vit study examples/study.json --out study-output
 */
export function registerStudy(program: Command): Command {
  const study = program
    .command('study')
    .description("Run the paper's whole study from one config file: one pass per (model, dataset), resumable, shardable.")
    .argument('<config>', 'the study config (study.json or study.yaml)')
    .option('--out <dir>', 'output folder: results.json, arrays/, report/, cache/ (required)')
    .option('--shard <k/N>', 'run only the k-th of N slices of every dataset (1-based), or auto/N from JOB_COMPLETION_INDEX / SLURM_ARRAY_TASK_ID; then `vit study merge DIR`')
    .option('--device <name>', 'cpu or cuda (default: the config’s device)')
    .option('--threads <n>', 'onnxruntime intra-op threads (default: all cores)')
    .option('--quiet', 'print nothing but errors')
    .option('--json', 'print one JSON summary object on stdout at the end')
    // options after a subcommand's name belong to it (`vit study merge DIR --json`)
    .enablePositionalOptions()
    .action(async (config: string, flags: StudyFlags, cmd: Command) => {
      await runStudyCommand(config, flags, cmd);
    });
  study
    .command('merge')
    .description("Combine the states the shards (--shard k/N) left in DIR into results.json and the report.")
    .argument('<dir>', 'the output folder the shards wrote')
    .option('--quiet', 'print nothing but errors')
    .option('--json', 'print one JSON summary object on stdout at the end')
    .action(async (dir: string, _flags: StudyFlags, cmd: Command) => {
      const f = cmd.optsWithGlobals() as StudyFlags;
      const { out, err, errIsTTY } = outputOf(cmd);
      const progress = new StudyProgress(progressMode(f, errIsTTY), err);
      const r = await mergeStudy(dir, { progress, command: commandLine() });
      if (f.json) {
        const j: StudyJson = { out: r.out, results: r.results, report: r.report, passes: r.passes, findings: r.findings, shards: r.shards };
        out(`${JSON.stringify(j)}\n`);
      } else if (!f.quiet) {
        out(`merged ${r.shards} shard(s) into ${r.results}\n${r.report ? `report: ${r.report}\n` : ''}`);
      }
    });
  registerStudyInit(study);
  registerStudySlurm(study);
  return study;
}

async function runStudyCommand(config: string, f: StudyFlags, cmd: Command): Promise<void> {
  const { out, err, errIsTTY } = outputOf(cmd);
  if (!f.out) throw new VitValueError('`--out <dir>` is needed: the folder the study writes (results.json, arrays/, report/, cache/).');
  if (f.device !== undefined && f.device !== 'cpu' && f.device !== 'cuda') throw new VitValueError(`\`--device\` must be cpu or cuda. Got "${f.device}".`);
  let threads: number | undefined;
  if (f.threads !== undefined) {
    threads = Number(f.threads);
    if (!Number.isInteger(threads) || threads < 1) throw new VitValueError(`\`--threads\` must be a positive whole number. Got "${f.threads}".`);
  }
  const progress = new StudyProgress(progressMode(f, errIsTTY), err);
  const ac = new AbortController();
  let signals = 0;
  const onSignal = () => {
    signals++;
    if (signals > 1) {
      err('vit study: stopped without a checkpoint (second interrupt); the last checkpoint is kept.\n');
      process.exit(130);
    }
    progress.log('vit study: stopping after the current batch (interrupt again to quit at once)…');
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let r;
  try {
    r = await runStudy(resolve(config), {
      out: f.out,
      shard: f.shard,
      device: f.device as 'cpu' | 'cuda' | undefined,
      intraOpThreads: threads,
      signal: ac.signal,
      progress,
      command: commandLine(),
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const j: StudyJson = {
    out: r.out,
    results: r.results,
    report: r.report,
    passes: r.passes,
    findings: r.findings,
    shard: `${r.shard.k}/${r.shard.n}`,
    ...(r.stopped ? { stopped: r.stopped } : {}),
    skipped: r.skipped,
  };
  if (f.json) out(`${JSON.stringify(j)}\n`);
  if (r.stopped) {
    const s = r.stopped;
    err(`vit study: stopped after ${s.done}/${s.total} images of ${s.model} × ${s.dataset}; run the same command again to resume.\n`);
    throw new CommanderError(130, 'vit.study.stopped', 'stopped');
  }
  if (f.json || f.quiet) return;
  if (r.results) {
    out(`wrote ${r.results}${r.report ? `\nreport: ${r.report}` : ''}\n`);
  } else {
    out(`shard ${r.shard.k}/${r.shard.n} done; when all ${r.shard.n} shards are done, run: vit study merge ${f.out}\n`);
  }
}
