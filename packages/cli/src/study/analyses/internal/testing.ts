// Test-only helpers of the attention, saliency and cka analyses (kept out of the package by `files`):
// tiny built ViTs, tiny datasets in their real layouts opened as the study opens them, and
// captures of real ViTSession passes, so that tests drive start/update/finishModel themselves.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { referenceBackend, type NumericBackend, type Tensor } from '@vit/io';
import { coco, partImageNet, type DatasetDescription } from '@vit/datasets';
import { ViTSession, writeViT, type Capture, type TapName } from '@vit/runtime';
import type { AnalysisState, OpenDataset, OpenModel, PassContext, StudyAnalysis, StudyItem } from '../../types.js';
import type { AnalysisConfig } from '../configs.js';
import { studyConfig, type StudyConfig } from '../../config.js';
import { modelTransform } from '../../modelTransform.js';
import { openModel } from '../../openModel.js';

/** The miniature zoo's benchmark data (real layouts: a folder with labels.json + masks/, COCO, PartImageNet). */
export const ZOO_BENCH = fileURLToPath(new URL('../../../../../../examples/zoo/bench/', import.meta.url));

/** Writes a tiny random ViT (`32×32` input, patch 8: a 4×4 grid, T = 17) and opens it as the study does. */
export async function tinyModel(dir: string, name: string, o: { seed?: number; depth?: number; heads?: number; dim?: number } = {}): Promise<OpenModel> {
  const path = join(dir, `${name}.onnx`);
  await writeViT(path, { imageSize: 32, patchSize: 8, dim: o.dim ?? 32, depth: o.depth ?? 3, heads: o.heads ?? 2 }, undefined, { seed: o.seed ?? 1 });
  return openModel({ name, method: name, onnx: path, preset: 'imagenet' });

}

const describe = (dataset: string, root: string, samples: number): (() => DatasetDescription) => () => ({ dataset, root, split: '', samples, counts: { images: samples }, skipped: [] });

/** The first `n` images of the zoo's sample as a `folder` dataset (labels.json as `source`, masks/ beside images/). */
export async function zooSample(n: number): Promise<OpenDataset> {
  const root = join(ZOO_BENCH, 'sample');
  const labels = JSON.parse(await readFile(join(root, 'labels.json'), 'utf8')) as { files: string[]; labels: number[]; classes: string[] };
  const items: StudyItem[] = labels.files.slice(0, n).map((f, index) => ({ index, id: f, path: join(root, 'images', f), label: labels.labels[index] }));
  return { name: 'sample', reader: 'folder', root, items, classes: labels.classes, source: labels, describe: describe('folder', root, n) };
}

/** A COCO (or PartImageNet) dataset opened with its reader; `source` is the reader's dataset. */
export async function cocoLike(reader: 'coco' | 'partImageNet', root: string, split?: string, n = Infinity): Promise<OpenDataset> {
  const ds = reader === 'coco' ? await coco(root, split ? { split } : {}) : await partImageNet(root, split ? { split } : {});
  const items: StudyItem[] = ds.samples.slice(0, n).map((s, index) => ({ index, id: String(s.id), path: s.path }));
  return { name: reader, reader, root, split, items, source: ds, describe: () => ds.describe() };
}

/** One batch of a pass: the capture and the items of its rows. */
export interface Batch {
  capture: Capture;
  items: StudyItem[];
}

/** A session for `model` with the study's transform (close it when done). */
export async function openSession(model: OpenModel, taps: TapName[], batchSize = 8): Promise<ViTSession> {
  const { crop: _crop, ...transform } = modelTransform(model); // the session crops to the graph's input size
  return ViTSession.create(model.onnx, { taps, batchSize, transform: transform as never, intraOpThreads: 1, decodeWorkers: 1 });
}

/** Streams `dataset` once through `session` (or a session opened for `model` and closed after) and keeps every capture. */
export async function capturePass(model: OpenModel | ViTSession, dataset: OpenDataset, taps: TapName[] = [], batchSize = 8): Promise<Batch[]> {
  const session = model instanceof ViTSession ? model : await openSession(model, taps, batchSize);
  const out: Batch[] = [];
  try {
    const stream = session.stream(dataset.items.map((it) => ({ path: it.path, id: it.id })));
    for await (const capture of stream) out.push({ capture, items: capture.meta.indices.map((i) => dataset.items[i]) });
    if (stream.skipped.length) throw new Error(`unexpected skipped images: ${JSON.stringify(stream.skipped)}`);
  } finally {
    if (session !== model) await session.close();
  }
  return out;
}

/** The context of an analysis's pass, with the reference backend unless given. */
export function passContext(model: OpenModel, dataset: OpenDataset, config: AnalysisConfig, backend: NumericBackend = referenceBackend): PassContext {
  const study: StudyConfig = studyConfig.parse({ models: [{ name: model.name, onnx: model.onnx }], datasets: [{ name: dataset.name, reader: dataset.reader, root: dataset.root }], analyses: [config] });
  return { model, dataset, config, study, backend, scratchDir: join(dataset.root, '.unused-scratch') };
}

/** Runs `analysis` over `batches` (from a fresh state, or from `state`). */
export async function runState(analysis: StudyAnalysis, ctx: PassContext, batches: readonly Batch[], state?: AnalysisState): Promise<AnalysisState> {
  const s = state ?? (await analysis.start(ctx));
  for (const b of batches) await s.update(b.capture, b.items);
  return s;
}

/** What a checkpoint does to a state: `toJSON`, then a structured clone (typed arrays stay typed, as in the engine's codec). */
export function roundTrip(state: AnalysisState): unknown {
  return structuredClone(state.toJSON());
}

/** Largest |a−b| / max(|b|, 1e-12) over two tensors of the same shape (NaN must match NaN). */
export function maxRelDiff(a: Tensor, b: Tensor): number {
  if (a.shape.join() !== b.shape.join()) return Infinity;
  let m = 0;
  for (let i = 0; i < a.size; i++) {
    const x = Number(a.data[a.offset + i]);
    const y = Number(b.data[b.offset + i]);
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (Number.isNaN(x) !== Number.isNaN(y)) return Infinity;
      continue;
    }
    m = Math.max(m, Math.abs(x - y) / Math.max(Math.abs(y), 1e-12));
  }
  return m;
}

/** Plain numbers of a tensor (C order), for exact comparisons. */
export function values(t: Tensor): number[] {
  return Array.from({ length: t.size }, (_, i) => Number(t.data[t.offset + i]));
}
