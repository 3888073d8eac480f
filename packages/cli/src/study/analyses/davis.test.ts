import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tensor } from '@vit/io';
import type { Tensor, TypedArray } from '@vit/io';
import { gaussianLike } from '@vit/features';
import { PropagationAccumulator } from '@vit/tasks';
import { davis } from '@vit/datasets';
import type { Dataset, DavisVideo } from '@vit/datasets';
import { preprocessPreset, transformMask } from '@vit/runtime';
import { davisAnalysis, davisConfig } from './davis.js';
import { capturePass, openDataset, passContext, relDiff, runStates, studyOf, tinyModel, zooBench } from './testFixtures.js';
import type { Batch } from './testFixtures.js';
import type { OpenDataset, OpenModel, StudyItem } from '../types.js';

const work = mkdtempSync(join(tmpdir(), 'vit-study-davis-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let model: OpenModel;
let ds: Dataset<DavisVideo>;
let dataset: OpenDataset;
let items: StudyItem[];
let batches: Batch[];
const root = zooBench('davis');
const { study, config } = studyOf({ type: 'davis', dataset: 'davis' }, [{ name: 'davis', reader: 'davis', root }]);
const ctxOf = (s: string) => passContext(model, dataset, study, config, s);
const geom = { ...preprocessPreset('imagenet', { crop: 32 }), patch: 8 };

beforeAll(async () => {
  model = await tinyModel(join(work, 'model'));
  ds = await davis(root);
  items = ds.samples.flatMap((v) => v.frames).map((fr, i) => ({ index: i, id: fr.id, path: fr.path }));
  dataset = openDataset('davis', 'davis', root, items, ds);
  batches = await capturePass(model, items, 5); // videos of 8 frames straddle batches
}, 60_000);

async function truthOf(v: DavisVideo): Promise<Tensor<TypedArray>[]> {
  return Promise.all(v.frames.map(async (fr) => transformMask(await fr.loadMask(), geom).mask));
}

/** Directly: every frame's spatial tokens per layer → PropagationAccumulator, video by video. */
async function direct() {
  const T = 17;
  const frames: Tensor[][] = [];
  for (const b of batches) b.items.forEach((_, r) => frames.push(b.capture.taps.block!.map((t) => tensor(t.data.slice((r * T + 1) * 16, (r + 1) * T * 16), [4, 4, 16]))));
  const acc = new PropagationAccumulator({ contextFrames: 7, temperature: 0.1, neighborhood: 12, k: 5 });
  let at = 0;
  for (const v of ds.samples) {
    const mine = frames.slice(at, at + v.frames.length);
    at += v.frames.length;
    await acc.update({ id: v.id, truth: await truthOf(v), frames: mine });
  }
  return acc.result();
}

describe('davis analysis', () => {
  it('schema: the SPEC 16 defaults', () => {
    expect(davisConfig.parse({ type: 'davis', dataset: 'd' })).toEqual({ type: 'davis', dataset: 'd', contextFrames: 7, temperature: 0.1, neighborhood: 12, topk: 5 });
  });

  it('J&F, J, F per layer equal PropagationAccumulator fed directly (≤ 1e-7: float32 storage)', async () => {
    const { state, ctx } = await runStates(davisAnalysis, ctxOf, batches, join(work, 'a'), { kind: 'whole' });
    const r = (await davisAnalysis.finishModel(state, ctx)).tasks!.davis!;
    const d = await direct();
    expect(d.videos).toHaveLength(6);
    expect(Array.from(d.JF.data).every((v) => v > 0 && v <= 1)).toBe(true);
    expect(r.layers).toEqual([1, 2]);
    expect(relDiff(r.jf.data, d.JF.data)).toBeLessThanOrEqual(1e-7);
    expect(relDiff(r.j!.data, d.J.data)).toBeLessThanOrEqual(1e-7);
    expect(relDiff(r.f!.data, d.F.data)).toBeLessThanOrEqual(1e-7);
  });

  it('a video split between two shards, and a resumed run, give the numbers of one run', async () => {
    const w = await runStates(davisAnalysis, ctxOf, batches, join(work, 'b'), { kind: 'whole' });
    const ref = (await davisAnalysis.finishModel(w.state, w.ctx)).tasks!.davis!;
    for (const how of [{ kind: 'shards', cut: 3 }, { kind: 'resume', stop: 4 }] as const) {
      const { state, ctx } = await runStates(davisAnalysis, ctxOf, batches, join(work, `b-${how.kind}`), how);
      const r = (await davisAnalysis.finishModel(state, ctx)).tasks!.davis!;
      expect(Array.from(r.jf.data), how.kind).toEqual(Array.from(ref.jf.data));
    }
  });

  it('random baseline = J&F of seeded Gaussian frame features of the same shape', async () => {
    const { state, ctx } = await runStates(davisAnalysis, ctxOf, batches, join(work, 'c'), { kind: 'whole' });
    const frag = await davisAnalysis.finishStudy!([{ model, dataset, state }], { study, config, backend: ctx.backend });
    const acc = new PropagationAccumulator({ contextFrames: 7, temperature: 0.1, neighborhood: 12, k: 5 });
    for (let v = 0; v < ds.samples.length; v++) {
      const video = ds.samples[v];
      const frames = video.frames.map((_, f) => [gaussianLike(tensor(new Float32Array(256), [4, 4, 16]), { seed: v * 65536 + f })]);
      await acc.update({ id: video.id, truth: await truthOf(video), frames });
    }
    expect(frag.baselines!.davis).toBe(acc.result().JF.data[0]);
    expect(frag.baselines!.davis).toBeLessThan(1);
  });
});
