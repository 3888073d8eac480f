import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImage, tensor } from '@vit/io';
import type { Tensor } from '@vit/io';
import { gaussianLike } from '@vit/features';
import { keypointsPerLayer } from '@vit/tasks';
import type { Keypoint, KeypointLayerPair } from '@vit/tasks';
import { spair } from '@vit/datasets';
import type { Dataset, SpairPair } from '@vit/datasets';
import { preprocessPreset, transformKeypoints } from '@vit/runtime';
import { spairAnalysis, spairConfig } from './spair.js';
import { capturePass, openDataset, passContext, relDiff, runStates, studyOf, tinyModel, zooBench } from './testFixtures.js';
import type { Batch } from './testFixtures.js';
import type { OpenDataset, OpenModel, StudyItem } from '../types.js';

const work = mkdtempSync(join(tmpdir(), 'vit-study-spair-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let model: OpenModel;
let ds: Dataset<SpairPair>;
let dataset: OpenDataset;
let items: StudyItem[];
let batches: Batch[];
const root = zooBench('spair');
const { study, config } = studyOf({ type: 'spair', dataset: 'spair' }, [{ name: 'spair', reader: 'spair', root }]);
const ctxOf = (s: string) => passContext(model, dataset, study, config, s);
const geom = { ...preprocessPreset('imagenet', { crop: 32 }), patch: 8 };

beforeAll(async () => {
  model = await tinyModel(join(work, 'model'));
  ds = await spair(root, { pairsPerCategory: 2 });
  const paths = [...new Set(ds.samples.flatMap((p) => [p.source.path, p.target.path]))];
  items = paths.map((path, i) => ({ index: i, id: path.split('/').slice(-2).join('/'), path }));
  dataset = openDataset('spair', 'spair', root, items, ds);
  batches = await capturePass(model, items, 3);
}, 60_000);

/** Directly: the pair's keypoints through the preset geometry, features from the captures → keypointsPerLayer. */
async function direct(features: (path: string) => Tensor[], g: typeof geom = geom) {
  const pairs: KeypointLayerPair[] = [];
  for (const p of ds.samples) {
    const [S, T] = [p.source, p.target];
    const sizeOf = async (path: string) => (await readImage(path)).shape.slice(0, 2) as [number, number];
    const s = transformKeypoints(S.keypoints, await sizeOf(S.path), g);
    const t = transformKeypoints(T.keypoints, await sizeOf(T.path), g);
    const srcKps: Keypoint[] = [];
    const tgtKps: Keypoint[] = [];
    const clamp = (v: number) => Math.min(31, Math.max(0, v));
    s.inside.forEach((ok, i) => {
      if (ok && t.inside[i]) {
        srcKps.push([clamp(s.points.data[2 * i]), clamp(s.points.data[2 * i + 1])]);
        tgtKps.push([clamp(t.points.data[2 * i]), clamp(t.points.data[2 * i + 1])]);
      }
    });
    const box = transformKeypoints(tensor(Float32Array.from(T.bbox), [2, 2]), await sizeOf(T.path), g).points.data;
    pairs.push({ category: p.category, src: features(S.path), tgt: features(T.path), srcKps, tgtKps, bboxSize: Math.max(box[2] - box[0], box[3] - box[1]), size: 32 });
  }
  expect(pairs.reduce((n, p) => n + p.srcKps.length, 0)).toBeGreaterThan(0);
  return keypointsPerLayer(pairs, { alphas: [0.1] });
}

describe('spair analysis', () => {
  it('schema: alpha 0.1 by default, within (0, 1]', () => {
    expect(spairConfig.parse({ type: 'spair', dataset: 's' })).toEqual({ type: 'spair', dataset: 's', alpha: 0.1 });
    expect(spairConfig.safeParse({ type: 'spair', dataset: 's', alpha: 2 }).success).toBe(false);
  });

  it('PCK@0.1 per layer equals keypointsPerLayer fed directly (≤ 1e-7: float32 storage)', async () => {
    const { state, ctx } = await runStates(spairAnalysis, ctxOf, batches, join(work, 'a'), { kind: 'whole' });
    const r = (await spairAnalysis.finishModel(state, ctx)).tasks!.spair!;
    const byPath = new Map<string, Tensor[]>();
    for (const b of batches) b.items.forEach((it, r) => byPath.set(it.path, b.capture.taps.block!.map((t) => tensor(t.data.slice((r * 17 + 1) * 16, (r + 1) * 17 * 16), [4, 4, 16]))));
    const d = await direct((p) => byPath.get(p)!);
    expect(r.layers).toEqual([1, 2]);
    expect(r.alpha).toBe(0.1);
    expect(relDiff(r.pck.data, d.mean.data)).toBeLessThanOrEqual(1e-7);
  });

  it('the imagenet-dino preset (resize 36, crop 32): keypoints half a pixel outside the crop are clamped onto it, as directly', async () => {
    const dino = { ...model, preset: 'imagenet-dino' };
    const dinoBatches = await capturePass(dino, items, 3);
    const { state, ctx } = await runStates(spairAnalysis, (s) => passContext(dino, dataset, study, config, s), dinoBatches, join(work, 'dino'), { kind: 'whole' });
    const r = (await spairAnalysis.finishModel(state, ctx)).tasks!.spair!;
    const byPath = new Map<string, Tensor[]>();
    for (const b of dinoBatches) b.items.forEach((it, r) => byPath.set(it.path, b.capture.taps.block!.map((t) => tensor(t.data.slice((r * 17 + 1) * 16, (r + 1) * 17 * 16), [4, 4, 16]))));
    const d = await direct((p) => byPath.get(p)!, { ...preprocessPreset('imagenet-dino', { crop: 32 }), patch: 8 });
    expect(relDiff(r.pck.data, d.mean.data)).toBeLessThanOrEqual(1e-7);
  });

  it('shards merged and a resumed run equal one run', async () => {
    const w = await runStates(spairAnalysis, ctxOf, batches, join(work, 'b'), { kind: 'whole' });
    const ref = (await spairAnalysis.finishModel(w.state, w.ctx)).tasks!.spair!;
    for (const how of [{ kind: 'shards', cut: 2 }, { kind: 'resume', stop: 1 }] as const) {
      const { state, ctx } = await runStates(spairAnalysis, ctxOf, batches, join(work, `b-${how.kind}`), how);
      expect(Array.from((await spairAnalysis.finishModel(state, ctx)).tasks!.spair!.pck.data), how.kind).toEqual(Array.from(ref.pck.data));
    }
  });

  it('random baseline = PCK of seeded Gaussian image features of the same shape (one noise per image)', async () => {
    const { state, ctx } = await runStates(spairAnalysis, ctxOf, batches, join(work, 'c'), { kind: 'whole' });
    const frag = await spairAnalysis.finishStudy!([{ model, dataset, state }], { study, config, backend: ctx.backend });
    const code = new Map(items.map((it, i) => [it.path, i]));
    const d = await direct((p) => [gaussianLike(tensor(new Float32Array(256), [4, 4, 16]), { seed: code.get(p)! })]);
    expect(frag.baselines!.spair).toBe(d.mean.data[0]);
  });
});
