// The end of `vit study` (a single run, or `vit study merge`): merged pass states → each
// analysis's `finishModel` / `finishStudy` → one ReportInput with provenance → results.json, the
// .npy arrays and the report, each written atomically.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { NumericBackend, Tensor } from '@vit/io';
import { renderReport, writeResults, type ModelResults, type ReportInput } from '@vit/report';
import type { SkippedImage } from '@vit/runtime';
import type { StudyConfig } from './config.js';
import { entryDatasets, stableJson, type PassPlan } from './plan.js';
import type { AnalysisState, FinishedModel, OpenDataset, OpenModel, PassContext, StudyAnalysis } from './types.js';

/** One pass with its shards' states merged (shards in order). */
export interface MergedPass {
  readonly pass: PassPlan;
  /** One merged state per entry of the pass. */
  readonly states: AnalysisState[];
  /** The contexts of the first shard (their scratch folders). */
  readonly contexts: PassContext[];
  /** Images skipped by the session, over every shard (`index` into the dataset's items). */
  readonly skipped: SkippedImage[];
  /** Streaming seconds, summed over the shards. */
  readonly seconds: number;
}

/** Options of {@link assembleResults}. */
export interface AssembleOptions {
  backend: NumericBackend;
  /** The command line, for the provenance. */
  command?: string;
  /** Called once per finished (analysis, model), with the seconds its finish took. */
  onAnalysis?: (text: string, seconds: number) => void;
}

const isTensor = (x: unknown): x is Tensor =>
  !!x && typeof x === 'object' && Array.isArray((x as Tensor).shape) && ArrayBuffer.isView((x as Tensor).data) && typeof (x as Tensor).offset === 'number';

/** Merge `b` into `a`: plain objects key by key, arrays concatenated, anything else (tensors, numbers) replaced. */
export function deepMerge<T>(a: T, b: unknown): T {
  if (b === undefined) return a;
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b] as T;
  const plain = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x) && !isTensor(x) && !ArrayBuffer.isView(x);
  if (plain(a) && plain(b)) {
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) out[k] = k in out ? deepMerge(out[k], v) : v;
    return out as T;
  }
  return b as T;
}

/** Versions of every `@vit` package, onnxruntime-node and node, for the provenance. */
export function toolVersions(): Record<string, string> {
  const req = createRequire(import.meta.url);
  const out: Record<string, string> = {};
  for (const name of ['@vit/io', '@vit/runtime', '@vit/attention', '@vit/features', '@vit/tasks', '@vit/datasets', '@vit/report', '@vit/cli', 'onnxruntime-node']) {
    try {
      let d = dirname(req.resolve(name));
      for (let i = 0; i < 6; i++, d = dirname(d)) {
        const p = join(d, 'package.json');
        if (!existsSync(p)) continue;
        const j = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
        if (j.name === name && j.version) {
          out[name] = j.version;
          break;
        }
      }
    } catch {
      // not installed (onnxruntime-node is optional): left out
    }
  }
  out.node = process.version;
  return out;
}

/** sha256 of the config (keys sorted), shown in the provenance. */
export function configHash(study: StudyConfig): string {
  return createHash('sha256').update(stableJson(study)).digest('hex');
}

/**
 * Turn the merged passes into the report input: per model, every analysis's `finishModel`
 * fragment (config order, merged key by key); then every analysis's `finishStudy`; then the
 * provenance.
 * @param study the config.
 * @param models the opened models, in config order.
 * @param merged every pass, its states merged over shards.
 * @param options backend, command, progress.
 * @returns the ReportInput (results.json's content).
 */
export async function assembleResults(study: StudyConfig, models: readonly OpenModel[], merged: readonly MergedPass[], options: AssembleOptions): Promise<ReportInput> {
  // every (entry, model): its states over the entry's datasets, merged into the first dataset's
  const parts = new Map<number, Map<string, { state: AnalysisState; ctx: PassContext; analysis: StudyAnalysis; rank: number }[]>>();
  for (const run of merged) {
    run.pass.entries.forEach((e, i) => {
      const perModel = parts.get(e.index) ?? new Map();
      parts.set(e.index, perModel);
      const list = perModel.get(run.pass.model.name) ?? [];
      perModel.set(run.pass.model.name, list);
      list.push({ state: run.states[i], ctx: run.contexts[i], analysis: e.analysis, rank: entryDatasets(e.analysis, e.config).indexOf(run.pass.dataset.name) });
    });
  }
  const combined = new Map<number, Map<string, { state: AnalysisState; ctx: PassContext; analysis: StudyAnalysis }>>();
  for (const [index, perModel] of parts) {
    const out = new Map<string, { state: AnalysisState; ctx: PassContext; analysis: StudyAnalysis }>();
    for (const [name, list] of perModel) {
      const [first, ...rest] = list.sort((a, b) => a.rank - b.rank);
      for (const p of rest) first.state.merge(p.state);
      out.set(name, first);
    }
    combined.set(index, out);
  }
  const entries = [...combined.keys()].sort((a, b) => a - b);
  const results: ModelResults[] = [];
  for (const model of models) {
    let r: ModelResults = {
      name: model.name,
      ...(model.method ? { method: model.method } : {}),
      layers: model.layers,
      heads: model.heads,
      grid: [model.grid[0], model.grid[1]],
      prefix: model.prefix,
      dim: model.dim,
      source: `${model.source} (sha256 ${model.hash})`,
    };
    for (const index of entries) {
      const c = combined.get(index)!.get(model.name);
      if (!c) continue;
      const t0 = performance.now();
      r = deepMerge(r, await c.analysis.finishModel(c.state, c.ctx));
      options.onAnalysis?.(`${study.analyses[index].type} on ${c.ctx.dataset.name}: ${model.name}`, (performance.now() - t0) / 1000);
    }
    results.push(r);
  }
  let input: ReportInput = { schemaVersion: 1, ...(study.title ? { title: study.title } : {}), models: results };
  for (const index of entries) {
    const perModel = [...combined.get(index)!.values()];
    const { analysis } = perModel[0];
    if (!analysis.finishStudy) continue;
    const t0 = performance.now();
    const order = new Map(models.map((m, i) => [m.name, i]));
    perModel.sort((a, b) => order.get(a.ctx.model.name)! - order.get(b.ctx.model.name)!);
    const finished: FinishedModel[] = perModel.map((c) => ({ model: c.ctx.model, dataset: c.ctx.dataset, state: c.state }));
    const { model: _m, dataset: _d, scratchDir: _s, ...ctx } = perModel[0].ctx;
    input = deepMerge(input, await analysis.finishStudy(finished, ctx));
    options.onAnalysis?.(`${study.analyses[index].type} on ${perModel[0].ctx.dataset.name}: across models`, (performance.now() - t0) / 1000);
  }
  input.provenance = provenance(study, merged, options.command);
  return input;
}

function provenance(study: StudyConfig, merged: readonly MergedPass[], command?: string): NonNullable<ReportInput['provenance']> {
  const datasets: NonNullable<NonNullable<ReportInput['provenance']>['datasets']> = [];
  const skipped: NonNullable<NonNullable<ReportInput['provenance']>['skipped']> = [];
  const timings: Record<string, number> = {};
  for (const run of merged) timings[run.pass.label] = Math.round(run.seconds * 1000) / 1000;
  for (const dc of study.datasets) {
    const runs = merged.filter((m) => m.pass.dataset.name === dc.name);
    if (!runs.length) continue;
    const ds: OpenDataset = runs[0].pass.dataset;
    const bad = new Map<number, SkippedImage>();
    for (const run of runs) for (const s of run.skipped) if (!bad.has(s.index)) bad.set(s.index, s);
    for (const s of [...bad.values()].sort((a, b) => a.index - b.index)) {
      skipped.push({ file: ds.items[s.index]?.path ?? s.id, reason: s.error, dataset: ds.name });
    }
    const types = [...new Set(runs.flatMap((r) => r.pass.entries.map((e) => e.config.type)))];
    datasets.push({ name: ds.name, root: ds.root, ...(ds.split ? { split: ds.split } : {}), images: ds.items.length - bad.size, analyses: types });
  }
  return {
    versions: toolVersions(),
    datasets,
    timings,
    skipped,
    finishedAt: new Date().toISOString(),
    configHash: configHash(study),
    ...(command ? { command } : {}),
  };
}

/** What {@link writeStudyOutputs} wrote. */
export interface StudyOutputs {
  /** Path of results.json. */
  results: string;
  /** Path of the report's index.html, when the report is enabled. */
  report?: string;
  /** The report's verdicts on the paper's findings. */
  findings: { id: string; status: string; evidence: string }[];
}

/**
 * Write results.json with its .npy arrays (via `writeResults` of `@vit/report`: every file
 * atomic, results.json last) and render the report into a staging folder that replaces
 * `DIR/report` in one rename.
 * @param input the results.
 * @param out the study's output folder.
 * @param study the config (report options).
 * @returns the paths written and the findings.
 */
export async function writeStudyOutputs(input: ReportInput, out: string, study: StudyConfig): Promise<StudyOutputs> {
  const { json } = await writeResults(input, out);
  if (study.report?.enabled === false) return { results: json, findings: [] };
  const final = join(out, 'report');
  // staging folders of runs killed while rendering
  for (const name of await readdir(out)) if (name.startsWith('.report.partial-')) await rm(join(out, name), { recursive: true, force: true });
  const staging = join(out, `.report.partial-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const r = await renderReport(input, staging, { title: study.title, viewerImages: study.report?.viewerImages ?? 3 });
    const old = `${staging}.old`;
    const had = await stat(final).catch(() => undefined);
    if (had) await rename(final, old);
    await rename(staging, final);
    if (had) await rm(old, { recursive: true, force: true });
    return { results: json, report: join(final, 'index.html'), findings: r.findings.map((f) => ({ id: f.id, status: f.status, evidence: f.evidence })) };
  } catch (e) {
    await rm(staging, { recursive: true, force: true });
    throw e;
  }
}
