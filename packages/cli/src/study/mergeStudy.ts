// `vit study merge DIR`: combine the shards' partial states into results.json and the report.
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { resolveBackend, VitIoError, VitValueError, type NumericBackend } from '@vit/io';
import type { SkippedImage } from '@vit/runtime';
import { ANALYSES } from './analyses/index.js';
import { assembleResults, writeStudyOutputs, type MergedPass } from './assemble.js';
import { readCheckpoint } from './checkpoint.js';
import { defaultOpeners } from './defaultOpeners.js';
import type { StudyOpeners } from './openers.js';
import { openStudy } from './openStudy.js';
import { passFingerprint, type PassPlan } from './plan.js';
import type { StudyProgressSink } from './progress.js';
import type { StudyPassSummary } from './runStudy.js';
import { passContexts, passDir, restoreStates } from './runPass.js';
import { shardRange } from './shard.js';
import type { AnalysisState, PassContext, StudyAnalysis } from './types.js';
import { CLI_VERSION } from './version.js';

/** Options of {@link mergeStudy}. */
export interface MergeStudyOptions {
  /** Progress events (one per finished analysis). */
  progress?: StudyProgressSink;
  /** The command line, for the provenance. */
  command?: string;
  /** Numeric backend of the analyses. @default resolveBackend() */
  backend?: NumericBackend;
  /** Config reader and dataset/model openers. @default the config's readers */
  openers?: StudyOpeners;
  /** The analyses by type. @default every analysis of vit */
  analyses?: Readonly<Record<string, StudyAnalysis>>;
}

/** What {@link mergeStudy} wrote. */
export interface MergeStudyResult {
  out: string;
  results: string;
  report: string | null;
  /** Shards merged per pass. */
  shards: number;
  /** Each pass over all its shards. */
  passes: StudyPassSummary[];
  findings: { id: string; status: string; evidence: string }[];
}

/** The shard counts `N` with a `shard-k-of-N` folder of this pass. */
async function shardCounts(dir: string): Promise<number[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const ns = new Set<number>();
  for (const n of names) {
    const m = /^shard-(\d+)-of-(\d+)$/.exec(n);
    if (m) ns.add(Number(m[2]));
  }
  return [...ns].sort((a, b) => b - a);
}

/**
 * Merge the shards a study's `--shard k/N` runs left in `out`: every shard of every pass must be
 * complete; their states are merged in shard order and finished as a single run would (same
 * numbers, up to float summation order), then `results.json`, the `.npy` arrays and the report are
 * written. Needs only `out` (the run copied its config into `out/study.config.json`).
 * @param out the study's output folder.
 * @param options progress, command, backend.
 * @returns what was written.
 * @throws VitIoError when `out` is not a study folder; VitValueError naming the shards that are missing or unfinished.
 * @example await mergeStudy('study-output')
 */
export async function mergeStudy(out: string, options: MergeStudyOptions = {}): Promise<MergeStudyResult> {
  const dir = resolve(out);
  const openers = options.openers ?? defaultOpeners;
  const registry = options.analyses ?? ANALYSES;
  const configFile = join(dir, 'study.config.json');
  let text: string;
  try {
    text = await readFile(configFile, 'utf8');
  } catch {
    throw new VitIoError(`${dir} is not the output folder of a study (no study.config.json); run \`vit study <config> --out ${out} --shard k/N\` first.`, {
      code: 'VIT_NOT_FOUND',
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new VitIoError('not valid JSON; run the shards again to rewrite it.', { code: 'VIT_IO_FORMAT', file: configFile, cause: e });
  }
  const study = openers.parseConfig(raw, configFile);
  const opened = await openStudy(study, dir, openers, registry);
  const backend = options.backend ?? (await resolveBackend());

  // every pass must have the same complete set of shards
  let N: number | undefined;
  const merged: MergedPass[] = [];
  const problems: string[] = [];
  for (const pass of opened.passes) {
    const counts = N !== undefined ? [N] : await shardCounts(join(dir, 'cache', 'passes', pass.model.name, pass.dataset.name));
    if (!counts.length) {
      problems.push(`${pass.label}: no shard has run`);
      continue;
    }
    let best: { n: number; missing: number[]; found: { states: AnalysisState[]; contexts: PassContext[]; skipped: SkippedImage[]; seconds: number; total: number }[] } | undefined;
    for (const n of counts) {
      const missing: number[] = [];
      const found: { states: AnalysisState[]; contexts: PassContext[]; skipped: SkippedImage[]; seconds: number; total: number }[] = [];
      for (let k = 1; k <= n; k++) {
        const shard = { k, n };
        const d = passDir(dir, pass, shard);
        const ckpt = await readCheckpoint(join(d, 'state.ckpt'));
        if (!ckpt || !ckpt.complete || ckpt.fingerprint !== passFingerprint(pass, study, shard, CLI_VERSION)) {
          missing.push(k);
          continue;
        }
        const contexts = passContexts(pass, study, backend, d);
        found.push({ states: await restoreStates(pass, ckpt.states, contexts), contexts, skipped: ckpt.skipped, seconds: ckpt.seconds, total: shardRange(pass.dataset.items.length, study.batchSize, shard).end - shardRange(pass.dataset.items.length, study.batchSize, shard).start });
      }
      if (!best || missing.length < best.missing.length) best = { n, missing, found };
      if (!missing.length) break;
    }
    if (best!.missing.length) {
      problems.push(`${pass.label}: shard${best!.missing.length > 1 ? 's' : ''} ${best!.missing.map((k) => `${k}/${best!.n}`).join(', ')}`);
      continue;
    }
    N = best!.n;
    merged.push(mergeShards(pass, best!.found));
  }
  if (problems.length) {
    throw new VitValueError(
      `cannot merge ${dir}: missing or unfinished — ${problems.join('; ')}; run \`vit study <config> --out ${out} --shard k/N\` for ${problems.length > 1 ? 'those' : 'that'} (a run resumes) and merge again.`,
    );
  }
  const input = await assembleResults(study, opened.models, merged, {
    backend,
    command: options.command,
    onAnalysis: (t, s) => options.progress?.analysisDone(t, s),
  });
  const written = await writeStudyOutputs(input, dir, study);
  options.progress?.stop();
  const passes = merged.map((m) => ({
    model: m.pass.model.name,
    dataset: m.pass.dataset.name,
    images: m.pass.dataset.items.length - m.skipped.length,
    seconds: m.seconds,
    skipped: m.skipped.length,
    resumedFrom: m.pass.dataset.items.length,
  }));
  return { out: dir, results: written.results, report: written.report ?? null, shards: N ?? 1, passes, findings: written.findings };
}

/** Merge the shards' states of one pass in shard order (empty shards are left out). */
function mergeShards(pass: PassPlan, shards: { states: AnalysisState[]; contexts: PassContext[]; skipped: SkippedImage[]; seconds: number; total: number }[]): MergedPass {
  const used = shards.filter((s) => s.total > 0);
  const list = used.length ? used : shards.slice(0, 1);
  const [first, ...rest] = list;
  const states = first.states;
  for (const s of rest) states.forEach((st, i) => st.merge(s.states[i]));
  return {
    pass,
    states,
    contexts: first.contexts,
    skipped: shards.flatMap((s) => s.skipped),
    seconds: shards.reduce((a, s) => a + s.seconds, 0),
  };
}
