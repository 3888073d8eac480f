import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy, tensor } from '@vit/io';
import type { Tensor } from '@vit/io';
import { FeatureCollector, gaussianLike } from '@vit/features';
import { knnPerLayer } from '@vit/tasks';
import { knnAnalysis, knnConfig } from './knn.js';
import { capturePass, openDataset, passContext, plantedCapture, plantedModel, relDiff, runStates, studyOf, tinyModel, zooBench } from './testFixtures.js';
import type { Batch } from './testFixtures.js';
import type { OpenDataset, OpenModel, StudyItem } from '../types.js';
import type { SpillState } from './spillState.js';

const work = mkdtempSync(join(tmpdir(), 'vit-study-knn-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const root = zooBench('sample');
const labelsJson = JSON.parse(readFileSync(join(root, 'labels.json'), 'utf8')) as { classes: string[]; files: string[]; labels: number[] };
const N = 40;
const protocol = { train: [0, 24] as [number, number], test: [24, 40] as [number, number], k: 5, temperature: 0.07 };
const items: StudyItem[] = labelsJson.files.slice(0, N).map((f, i) => ({ index: i, id: f, path: join(root, 'images', f), label: labelsJson.labels[i] }));

let model: OpenModel;
let dataset: OpenDataset;
let batches: Batch[];
const entry = { type: 'knn', dataset: 'sample' };
const { study, config } = studyOf(entry, [{ name: 'sample', reader: 'folder', root }]);
const ctxOf = (scratch: string) => passContext(model, dataset, study, config, scratch);

beforeAll(async () => {
  model = await tinyModel(join(work, 'model'));
  dataset = openDataset('sample', 'folder', root, items, { ...labelsJson, files: labelsJson.files.slice(0, N), labels: labelsJson.labels.slice(0, N), knnProtocol: protocol }, labelsJson.classes);
  batches = await capturePass(model, items, 8);
}, 60_000);

/** The numbers of calling the packages directly: CLS rows of every layer → knnPerLayer. */
async function direct(tokens: 'cls' | 'mean' = 'cls'): Promise<{ top1: number[]; top5: number[] }> {
  const col = new FeatureCollector({ tokens });
  for (const b of batches) col.update(b.capture);
  const { features, labels } = col.result();
  const rows = (t: Tensor, [a, z]: [number, number]) => tensor(t.data.slice(a * t.shape[1], z * t.shape[1]), [z - a, t.shape[1]]);
  const r = await knnPerLayer(
    features.map((f) => rows(f, protocol.train)),
    Int32Array.from(items.slice(...protocol.train), (it) => it.label!),
    features.map((f) => rows(f, protocol.test)),
    { k: 5, temperature: 0.07, numClasses: 10, testLabels: Int32Array.from(items.slice(...protocol.test), (it) => it.label!) },
  );
  return { top1: Array.from(r.top1.data), top5: Array.from(r.top5.data) };
}

describe('knn analysis', () => {
  it('schema: k and temperature optional, tokens cls by default, bad values refused', () => {
    expect(knnConfig.parse({ type: 'knn', dataset: 's' })).toEqual({ type: 'knn', dataset: 's', tokens: 'cls' });
    expect(knnConfig.safeParse({ type: 'knn', dataset: 's', k: 0 }).success).toBe(false);
    expect(knnConfig.safeParse({ type: 'knn', dataset: 's', temperature: -1 }).success).toBe(false);
    expect(knnAnalysis.datasets!(knnConfig.parse({ type: 'knn', dataset: 'val', train: 'train' }))).toEqual(['val', 'train']);
  });

  it('equals knnPerLayer on the knnProtocol split (exact), spilling .npy files', async () => {
    const { state, ctx } = await runStates(knnAnalysis, ctxOf, batches, join(work, 'a'), { kind: 'whole' });
    const frag = await knnAnalysis.finishModel(state, ctx);
    const d = await direct();
    expect(d.top1.every((v) => v >= 0 && v <= 1) && d.top5.every((v, i) => v >= d.top1[i] && v <= 1)).toBe(true);
    expect(d.top5.some((v) => v > 0)).toBe(true); // not a vacuous comparison
    expect(frag.tasks!.knn!.layers).toEqual([1, 2]);
    expect(frag.tasks!.knn!.k).toBe(5);
    expect(relDiff(frag.tasks!.knn!.top1.data, d.top1)).toBeLessThanOrEqual(1e-7); // float32 storage of the accuracy
    expect(relDiff(frag.tasks!.knn!.top5!.data, d.top5)).toBeLessThanOrEqual(1e-7);
    const npy = await readNpy(join(ctx.scratchDir, 'layer-2.npy'));
    expect(npy.tensor.shape).toEqual([N, 16]);
  });

  it('tokens: mean (mean of the spatial tokens) equals knnPerLayer on those rows', async () => {
    const mean = studyOf({ type: 'knn', dataset: 'sample', tokens: 'mean' }, [{ name: 'sample', reader: 'folder', root }]);
    const { state, ctx } = await runStates(knnAnalysis, (s) => passContext(model, dataset, mean.study, mean.config, s), batches, join(work, 'mean'), { kind: 'whole' });
    const frag = await knnAnalysis.finishModel(state, ctx);
    const d = await direct('mean');
    expect(relDiff(frag.tasks!.knn!.top1.data, d.top1)).toBeLessThanOrEqual(1e-7);
    expect(relDiff(frag.tasks!.knn!.top5!.data, d.top5)).toBeLessThanOrEqual(1e-7);
    expect(d.top5.some((v) => v > 0)).toBe(true); // not a vacuous comparison
  });

  it('two shards merged equal one run; a resumed run (rows after the checkpoint dropped) equals one run', async () => {
    const whole = await runStates(knnAnalysis, ctxOf, batches, join(work, 'b'), { kind: 'whole' });
    const ref = await knnAnalysis.finishModel(whole.state, whole.ctx);
    for (const how of [{ kind: 'shards', cut: 2 }, { kind: 'shards', cut: 4 }, { kind: 'resume', stop: 1 }, { kind: 'resume', stop: 3 }] as const) {
      const dir = join(work, `b-${how.kind}-${'cut' in how ? how.cut : how.stop}`);
      const { state, ctx } = await runStates(knnAnalysis, ctxOf, batches, dir, how);
      const frag = await knnAnalysis.finishModel(state, ctx);
      expect(Array.from(frag.tasks!.knn!.top1.data), JSON.stringify(how)).toEqual(Array.from(ref.tasks!.knn!.top1.data));
      expect(Array.from(frag.tasks!.knn!.top5!.data)).toEqual(Array.from(ref.tasks!.knn!.top5!.data));
      if (how.kind === 'resume') expect(statSync(join(ctx.scratchDir, 'layer-1.npy')).size).toBe(128 + N * 16 * 4);
    }
  });

  it('random baseline = k-NN of seeded Gaussian features of the same shape', async () => {
    const { state, ctx } = await runStates(knnAnalysis, ctxOf, batches, join(work, 'c'), { kind: 'whole' });
    const frag = await knnAnalysis.finishStudy!([{ model, dataset, state }], { study, config, backend: ctx.backend });
    const n = 24;
    const m = 16;
    const r = await knnPerLayer(
      [gaussianLike(tensor(new Float32Array(n * 16), [n, 16]), { seed: 1 })],
      Int32Array.from(items.slice(0, n), (it) => it.label!),
      [gaussianLike(tensor(new Float32Array(m * 16), [m, 16]), { seed: 0 })],
      { k: 5, temperature: 0.07, numClasses: 10, testLabels: Int32Array.from(items.slice(24, 40), (it) => it.label!) },
    );
    expect(frag.baselines!.knn).toBe(r.top1.data[0]);
    expect((state as SpillState).spill.count).toBe(N);
  });

  it('train: <dataset> — the train pass merged into the test pass (as the engine does with datasets()) equals knnPerLayer', async () => {
    const two = studyOf({ type: 'knn', dataset: 'val', train: 'train', k: 5 }, [
      { name: 'val', reader: 'folder', root },
      { name: 'train', reader: 'folder', root },
    ]);
    const trainItems = items.slice(0, 24);
    const testItems = items.slice(24).map((it, i) => ({ ...it, index: i }));
    const trainSet = openDataset('train', 'folder', root, trainItems, { classes: labelsJson.classes }, labelsJson.classes);
    const testSet = openDataset('val', 'folder', root, testItems, { classes: labelsJson.classes }, labelsJson.classes);
    const testCtx = await passContext(model, testSet, two.study, two.config, join(work, 'e-val'));
    const trainCtx = await passContext(model, trainSet, two.study, two.config, join(work, 'e-train'));
    const testState = await knnAnalysis.start(testCtx);
    const trainState = await knnAnalysis.start(trainCtx);
    for (const b of batches) {
      // batches of 8: 0–2 are train images, 3–4 test images
      if (b.items[0].index < 24) await trainState.update(b.capture, b.items);
      else await testState.update(b.capture, b.items.map((it) => ({ ...it, index: it.index - 24 })));
    }
    await expect(knnAnalysis.finishModel(testState, testCtx)).rejects.toThrow(/no image of the train set "train" reached this entry/);
    testState.merge(trainState);
    const frag = await knnAnalysis.finishModel(testState, testCtx);
    const d = await direct();
    expect(relDiff(frag.tasks!.knn!.top1.data, d.top1)).toBeLessThanOrEqual(1e-7);
    expect(frag.tasks!.knn!.dataset).toBe('val');
  });

  it('planted structure: a layer whose CLS token is the one-hot label scores 1, a layer of noise about chance', async () => {
    const D = 10;
    const n = 200;
    const labels = Array.from({ length: n }, (_, i) => (i * 7) % 10);
    const noise = gaussianLike(tensor(new Float32Array(n * D), [n, D]), { seed: 3 }).data;
    const onehot = new Float32Array(n * D);
    labels.forEach((l, i) => (onehot[i * D + l] = 1));
    const its: StudyItem[] = labels.map((label, i) => ({ index: i, id: String(i), path: `/planted/${i}.png`, label }));
    const ds = openDataset('p', 'folder', '/planted', its, { knnProtocol: { train: [0, 150], test: [150, 200] } });
    const ctx = await passContext(plantedModel(2, D), ds, study, config, join(work, 'f'));
    const state = await knnAnalysis.start(ctx);
    for (let s = 0; s < n; s += 50) await state.update(plantedCapture([noise.slice(s * D, (s + 50) * D), onehot.slice(s * D, (s + 50) * D)], D), its.slice(s, s + 50));
    const { top1 } = (await knnAnalysis.finishModel(state, ctx)).tasks!.knn!;
    expect(top1.data[1]).toBe(1);
    expect(top1.data[0]).toBeLessThan(0.4); // 10 classes: chance 0.1
  });

  it('one line when the dataset has no split and no train set', async () => {
    const bare = openDataset('sample', 'folder', root, items, { classes: labelsJson.classes }, labelsJson.classes);
    const ctx = await passContext(model, bare, study, config, join(work, 'd'));
    await expect(Promise.resolve().then(() => knnAnalysis.start(ctx))).rejects.toThrow(/knn on "sample" needs a train\/test split/);
  });
});
