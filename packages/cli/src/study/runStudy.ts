// `vit study <config> --out DIR [--shard k/N]`: the whole study (or one shard of it), resumable.
import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { atomicWrite, resolveBackend, VitIoError, type NumericBackend } from '@vit/io';
import type { Device } from '@vit/runtime';
import { ANALYSES } from './analyses/index.js';
import { assembleResults, writeStudyOutputs, type MergedPass } from './assemble.js';
import type { StudyConfig } from './config.js';
import { defaultOpeners } from './defaultOpeners.js';
import type { StudyOpeners } from './openers.js';
import { openStudy } from './openStudy.js';
import type { StudyProgressSink } from './progress.js';
import { runPass, type PassRun } from './runPass.js';
import { parseShard, type Shard } from './shard.js';
import type { StudyAnalysis } from './types.js';
import { CLI_VERSION } from './version.js';

/** Options of {@link runStudy}. */
export interface RunStudyOptions {
  /** The output folder (created when missing). */
  out: string;
  /**
   * Run only this shard: `{ k, n }`, `'k/N'` (1-based k) or `'auto/N'` (from `JOB_COMPLETION_INDEX`
   * or `SLURM_ARRAY_TASK_ID`). A shard leaves its partial states; {@link mergeStudy} finishes.
   * @default the whole study (shard 1/1), finished here
   */
  shard?: Shard | string;
  /** Execution device. @default the config's `device` */
  device?: Device;
  /** onnxruntime intra-op threads. @default all cores */
  intraOpThreads?: number;
  /** When aborted: the current batch finishes, its checkpoint is written and the run returns `stopped`. */
  signal?: AbortSignal;
  /** Progress events (see `StudyProgress`). @default none */
  progress?: StudyProgressSink;
  /** The command line, for the provenance. */
  command?: string;
  /** Numeric backend of the analyses. @default resolveBackend() */
  backend?: NumericBackend;
  /** Config reader and dataset/model openers. @default the config's readers (study-config) */
  openers?: StudyOpeners;
  /** The analyses by type. @default every analysis of vit */
  analyses?: Readonly<Record<string, StudyAnalysis>>;
}

/** One pass (or shard) of a run, as `--json` reports it. */
export interface StudyPassSummary {
  model: string;
  dataset: string;
  /** Images used (consumed minus skipped) in this shard so far. */
  images: number;
  seconds: number;
  skipped: number;
  /** Items already consumed when this run started (0: fresh; = the total: already done). */
  resumedFrom: number;
}

/** What {@link runStudy} did. */
export interface StudyRunResult {
  /** The output folder (absolute). */
  out: string;
  /** results.json, when the run finished the study (not for a shard of several). */
  results: string | null;
  /** The report's index.html, when written. */
  report: string | null;
  passes: StudyPassSummary[];
  /** The report's verdicts on the paper's findings. */
  findings: { id: string; status: string; evidence: string }[];
  /** Which shard ran. */
  shard: Shard;
  /** Set when the signal stopped the run: where. */
  stopped?: { model: string; dataset: string; done: number; total: number };
  /** Images that could not be decoded (file, reason, dataset), over every pass of this run. */
  skipped: { file: string; reason: string; dataset: string }[];
}

/** Reads `out`'s state; refuses a file. */
async function prepareOut(out: string): Promise<void> {
  const st = await stat(out).catch(() => undefined);
  if (st && !st.isDirectory()) throw new VitIoError('--out exists and is not a folder; choose a folder for the study.', { file: out, code: 'VIT_IO_WRITE' });
}

/**
 * Run a study from its config: open the datasets and models, plan one pass per (model, dataset),
 * stream each pass once into every analysis, checkpointing as it goes (a second run resumes;
 * a finished pass is not redone), then write `results.json`, the `.npy` arrays and the report
 * into `out` — or, for a shard of several, leave the shard's states for `vit study merge`.
 * @param config the config file (JSON or YAML), or a validated config (absolute paths).
 * @param options output folder, shard, device, signal, progress.
 * @returns what ran and what was written.
 * @throws VitValueError `VIT_STUDY_CONFIG` on a bad config; dataset, model and I/O errors (nothing is written to results.json or the report).
 * @example const r = await runStudy('study.yaml', { out: 'study-output' }); r.results // …/results.json
 */
export async function runStudy(config: string | StudyConfig, options: RunStudyOptions): Promise<StudyRunResult> {
  const openers = options.openers ?? defaultOpeners;
  const registry = options.analyses ?? ANALYSES;
  const shard = typeof options.shard === 'string' ? parseShard(options.shard) : (options.shard ?? { k: 1, n: 1 });
  const study = typeof config === 'string' ? await openers.loadConfig(config) : config;
  const out = resolve(options.out);
  await prepareOut(out);
  const opened = await openStudy(study, out, openers, registry);
  const backend = options.backend ?? (await resolveBackend());
  await mkdir(out, { recursive: true });
  await atomicWrite(join(out, 'study.config.json'), `${JSON.stringify(study, null, 2)}\n`);

  const progress = options.progress;
  const runs: PassRun[] = [];
  const passes: StudyPassSummary[] = [];
  const skipped: StudyRunResult['skipped'] = [];
  const label = (p: { label: string }) => (shard.n > 1 ? `${p.label} (shard ${shard.k}/${shard.n})` : p.label);
  let stopped: StudyRunResult['stopped'];
  try {
    for (const pass of opened.passes) {
      let started = false;
      const run = await runPass(pass, {
        out,
        shard,
        study,
        backend,
        toolVersion: CLI_VERSION,
        device: options.device,
        intraOpThreads: options.intraOpThreads,
        signal: options.signal,
        onProgress: (done, total) => {
          if (!started) return;
          progress?.passUpdate(label(pass), done, total);
        },
        onStart: (done, total) => {
          started = true;
          progress?.passStart(label(pass), done, total);
        },
      });
      runs.push(run);
      const newSkips = run.skipped.filter((s) => s.index >= 0);
      for (const s of newSkips) {
        const file = pass.dataset.items[s.index]?.path ?? s.id;
        if (!skipped.some((x) => x.file === file && x.dataset === pass.dataset.name)) {
          skipped.push({ file, reason: s.error, dataset: pass.dataset.name });
          progress?.log(`vit study: skipped ${file}: ${s.error}`);
        }
      }
      progress?.passEnd(label(pass), { done: run.done, total: run.total, seconds: run.seconds, cached: run.cached, stopped: run.stopped, skipped: run.skipped.length });
      passes.push({ model: pass.model.name, dataset: pass.dataset.name, images: run.done - run.skipped.length, seconds: run.seconds, skipped: run.skipped.length, resumedFrom: run.resumedFrom });
      if (run.stopped) {
        stopped = { model: pass.model.name, dataset: pass.dataset.name, done: run.done, total: run.total };
        break;
      }
    }
    const base = { out, passes, shard, skipped };
    if (stopped) return { ...base, results: null, report: null, findings: [], stopped };
    if (shard.n > 1) return { ...base, results: null, report: null, findings: [] };
    const merged: MergedPass[] = runs.map((r) => ({ pass: r.pass, states: r.states, contexts: r.contexts, skipped: r.skipped, seconds: r.seconds }));
    const input = await assembleResults(study, opened.models, merged, {
      backend,
      command: options.command,
      onAnalysis: (text, s) => progress?.analysisDone(text, s),
    });
    const written = await writeStudyOutputs(input, out, study);
    return { ...base, results: written.results, report: written.report ?? null, findings: written.findings };
  } finally {
    progress?.stop();
  }
}
