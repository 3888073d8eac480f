// Test helpers of the study-tasks analyses (not published: see package.json "files"): a tiny
// built ViT as an OpenModel, datasets in the real layouts as OpenDatasets, one extraction pass
// whose captures are replayed into analysis states (whole, shards, resumed).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveBackend, tensor } from '@vit/io';
import type { NumericBackend } from '@vit/io';
import { ViTSession, preprocessPreset, writeViT } from '@vit/runtime';
import type { Capture } from '@vit/runtime';
import type { DatasetDescription } from '@vit/datasets';
import { studyConfig } from '../config.js';
import { openModel } from '../openModel.js';
import type { AnalysisConfig, StudyConfig } from '../config.js';
import type { AnalysisState, OpenDataset, OpenModel, PassContext, StudyAnalysis, StudyItem } from '../types.js';

/** `examples/zoo/bench/<name>` of the repository. */
export const zooBench = (name: string) => fileURLToPath(new URL(`../../../../../examples/zoo/bench/${name}`, import.meta.url));

/** A tiny random ViT (32×32 input, patch 8, 2 blocks, width 16) written to `dir`, as the engine's OpenModel. */
export async function tinyModel(dir: string, name = 'tiny', seed = 1): Promise<OpenModel> {
  mkdirSync(dir, { recursive: true });
  const onnx = join(dir, `${name}.onnx`);
  await writeViT(onnx, { imageSize: 32, patchSize: 8, dim: 16, depth: 2, heads: 2 }, undefined, { seed });
  return openModel({ name, method: 'random', onnx, preset: 'imagenet' });

}

/** An OpenDataset over `items` with the reader's `source`. */
export function openDataset(name: string, reader: string, root: string, items: StudyItem[], source: unknown, classes?: string[]): OpenDataset {
  return {
    name,
    reader,
    root,
    items,
    classes,
    source,
    describe: (): DatasetDescription => ({ dataset: name, root, split: '', samples: items.length, counts: {}, skipped: [] }),
  };
}

/** A study config around one analysis entry (parsed by the real schema). */
export function studyOf(entry: Record<string, unknown>, datasets: { name: string; reader: string; root: string }[], seed = 0): { study: StudyConfig; config: AnalysisConfig } {
  const study = studyConfig.parse({ seed, models: [{ name: 'tiny', onnx: 'tiny.onnx' }], datasets: datasets.map((d) => ({ ...d, reader: d.reader })), analyses: [entry] });
  return { study, config: study.analyses[0] };
}

let backendP: Promise<NumericBackend> | null = null;
/** The default numeric backend (onnxruntime), shared by the tests of a file. */
export const backend = () => (backendP ??= resolveBackend());

/** A pass context; `scratch` names the shard's scratch folder. */
export async function passContext(model: OpenModel, dataset: OpenDataset, study: StudyConfig, config: AnalysisConfig, scratch: string): Promise<PassContext> {
  return { model, dataset, study, config, backend: await backend(), scratchDir: scratch };
}

/** One batch of a pass: the capture and the items of its rows. */
export interface Batch {
  capture: Capture;
  items: StudyItem[];
}

/** Stream `items` through the model once (block taps of `layers`, the preset's transform) and keep every batch. */
export async function capturePass(model: OpenModel, items: readonly StudyItem[], batchSize: number, layers?: number[]): Promise<Batch[]> {
  const session = await ViTSession.create(model.onnx, {
    taps: ['block'],
    layers: layers ?? 'all',
    batchSize,
    intraOpThreads: 1,
    decodeWorkers: 1,
    transform: preprocessPreset(model.preset, { crop: model.imageSize[0] }),
  });
  const out: Batch[] = [];
  try {
    const stream = session.stream(items.map((it) => ({ path: it.path, id: it.id, label: it.label })));
    for await (const capture of stream) out.push({ capture, items: capture.meta.indices.map((i) => items[i]) });
    if (stream.skipped.length) throw new Error(`test images skipped: ${stream.skipped.map((s) => s.error).join('; ')}`);
  } finally {
    await session.close();
  }
  return out;
}

/** Feed batches into a state. */
export async function feed(state: AnalysisState, batches: readonly Batch[]): Promise<void> {
  for (const b of batches) await state.update(b.capture, b.items);
}

/** Run `analysis` over `batches` as one state, or as shards split at batch `cut` then merged, or interrupted after batch `stop` (plus one batch lost to a kill) and resumed. */
export async function runStates(
  analysis: StudyAnalysis,
  ctxOf: (scratch: string) => Promise<PassContext>,
  batches: readonly Batch[],
  dir: string,
  how: { kind: 'whole' } | { kind: 'shards'; cut: number } | { kind: 'resume'; stop: number },
): Promise<{ state: AnalysisState; ctx: PassContext }> {
  if (how.kind === 'whole') {
    const ctx = await ctxOf(join(dir, 'whole'));
    const state = await analysis.start(ctx);
    await feed(state, batches);
    return { state, ctx };
  }
  if (how.kind === 'shards') {
    const ctxA = await ctxOf(join(dir, 'shard-1'));
    const ctxB = await ctxOf(join(dir, 'shard-2'));
    const a = await analysis.start(ctxA);
    await feed(a, batches.slice(0, how.cut));
    const b = await analysis.start(ctxB);
    await feed(b, batches.slice(how.cut));
    // as `vit study merge` does: restore each shard's checkpoint, merge in shard order
    const ra = await analysis.restore(JSON.parse(JSON.stringify(a.toJSON())), ctxA);
    const rb = await analysis.restore(JSON.parse(JSON.stringify(b.toJSON())), ctxB);
    ra.merge(rb);
    return { state: ra, ctx: ctxA };
  }
  const ctx = await ctxOf(join(dir, 'resumed'));
  const first = await analysis.start(ctx);
  await feed(first, batches.slice(0, how.stop));
  const checkpoint = JSON.stringify(first.toJSON());
  await feed(first, batches.slice(how.stop, how.stop + 1)); // work after the checkpoint, lost to a kill
  const state = await analysis.restore(JSON.parse(checkpoint), ctx);
  await feed(state, batches.slice(how.stop));
  return { state, ctx };
}

/** Largest relative difference of two number lists (NaN equal to NaN). */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
    m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1e-12, Math.abs(b[i])));
  }
  return m;
}

/** A capture built by hand: per layer the CLS rows `[B,D]` (one spatial token of zeros after each), for planted-structure tests. */
export function plantedCapture(cls: readonly Float32Array[], D: number): Capture {
  const B = cls[0].length / D;
  const block = cls.map((rows) => {
    const out = new Float32Array(B * 2 * D);
    for (let b = 0; b < B; b++) out.set(rows.subarray(b * D, (b + 1) * D), b * 2 * D);
    return tensor(out, [B, 2, D]);
  });
  return { taps: { block }, layers: cls.map((_, l) => l + 1), grid: { gh: 1, gw: 1, prefix: 1, patch: 8 }, meta: { batch: B, ids: [], indices: [], labels: [], skipped: [] } };
}

/** An OpenModel of `layers` blocks of width `dim` on a 1×1 grid (no file: for hand-built captures). */
export function plantedModel(layers: number, dim: number): OpenModel {
  return { name: 'planted', onnx: '', hash: '', source: 'planted', preset: 'imagenet', layers, heads: 1, dim, grid: [1, 1], prefix: 1, patch: 8, imageSize: [8, 8] };
}
