import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tensor } from '@vit/io';
import { gaussianLike } from '@vit/features';
import { retrievalPerLayer } from '@vit/tasks';
import { revisited, writeSyntheticRevisited } from '@vit/datasets';
import type { RevisitedDataset } from '@vit/datasets';
import { retrievalAnalysis, retrievalConfig } from './retrieval.js';
import { capturePass, openDataset, passContext, plantedCapture, plantedModel, relDiff, runStates, studyOf, tinyModel } from './testFixtures.js';
import type { Batch } from './testFixtures.js';
import type { OpenDataset, OpenModel, StudyItem } from '../types.js';

const work = mkdtempSync(join(tmpdir(), 'vit-study-retrieval-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let model: OpenModel;
let ds: RevisitedDataset;
let dataset: OpenDataset;
let items: StudyItem[];
let batches: Batch[];
const { study, config } = studyOf({ type: 'retrieval', dataset: 'rox' }, [{ name: 'rox', reader: 'revisited', root: '/r' }]);
const ctxOf = (s: string) => passContext(model, dataset, study, config, s);

beforeAll(async () => {
  model = await tinyModel(join(work, 'model'));
  const { root } = await writeSyntheticRevisited(join(work, 'data'), 'roxford5k', { queries: 3, database: 15 });
  ds = await revisited(root, 'roxford5k');
  items = [...ds.queries, ...ds.database].map((s, i) => ({ index: i, id: s.id, path: s.path }));
  dataset = openDataset('rox', 'revisited', root, items, ds);
  batches = await capturePass(model, items, 4);
}, 60_000);

/** Directly: CLS rows of queries and database per layer → retrievalPerLayer. */
async function direct() {
  const T = batches[0].capture.taps.block![0].shape[1];
  const rows = [0, 1].map(() => [] as number[][]);
  for (const b of batches) b.capture.taps.block!.forEach((t, l) => b.items.forEach((_, r) => rows[l].push(Array.from(t.data.subarray(r * T * 16, r * T * 16 + 16)))));
  const nq = ds.queries.length;
  const pack = (list: number[][]) => tensor(Float32Array.from(list.flat()), [list.length, 16]);
  const gnd = ds.queries.map((q) => ({ easy: [...q.easy], hard: [...q.hard], junk: [...q.junk] }));
  return retrievalPerLayer(rows.map((r) => pack(r.slice(0, nq))), rows.map((r) => pack(r.slice(nq))), gnd);
}

describe('retrieval analysis', () => {
  it('schema: tokens cls by default', () => {
    expect(retrievalConfig.parse({ type: 'retrieval', dataset: 'r' })).toEqual({ type: 'retrieval', dataset: 'r', tokens: 'cls' });
  });

  it('E/M/H mAP per layer equal retrievalPerLayer (≤ 1e-7: float32 storage)', async () => {
    const { state, ctx } = await runStates(retrievalAnalysis, ctxOf, batches, join(work, 'a'), { kind: 'whole' });
    const r = (await retrievalAnalysis.finishModel(state, ctx)).tasks!.retrieval!;
    const d = await direct();
    expect(r.layers).toEqual([1, 2]);
    expect(r.dataset).toBe('rox');
    for (const p of ['easy', 'medium', 'hard'] as const) {
      expect(Array.from(d[p].mAP.data).every((v) => v > 0 && v <= 1)).toBe(true);
      expect(relDiff(r[p]!.data, d[p].mAP.data), p).toBeLessThanOrEqual(1e-7);
    }
  });

  it('layers: [2] reports layer 2 (the numbers of the second layer of the full run)', async () => {
    const one = studyOf({ type: 'retrieval', dataset: 'rox', layers: [2] }, [{ name: 'rox', reader: 'revisited', root: '/r' }]);
    const { state, ctx } = await runStates(retrievalAnalysis, (s) => passContext(model, dataset, one.study, one.config, s), batches, join(work, 'g'), { kind: 'whole' });
    const r = (await retrievalAnalysis.finishModel(state, ctx)).tasks!.retrieval!;
    const d = await direct();
    expect(r.layers).toEqual([2]);
    expect(relDiff(r.hard!.data, [d.hard.mAP.data[1]])).toBeLessThanOrEqual(1e-7);
  });

  it('shards merged (queries and database in different shards) and a resumed run equal one run', async () => {
    const w = await runStates(retrievalAnalysis, ctxOf, batches, join(work, 'b'), { kind: 'whole' });
    const ref = (await retrievalAnalysis.finishModel(w.state, w.ctx)).tasks!.retrieval!;
    for (const how of [{ kind: 'shards', cut: 1 }, { kind: 'shards', cut: 3 }, { kind: 'resume', stop: 2 }] as const) {
      const { state, ctx } = await runStates(retrievalAnalysis, ctxOf, batches, join(work, `b-${how.kind}-${'cut' in how ? how.cut : how.stop}`), how);
      const r = (await retrievalAnalysis.finishModel(state, ctx)).tasks!.retrieval!;
      for (const p of ['easy', 'medium', 'hard'] as const) expect(Array.from(r[p]!.data), p).toEqual(Array.from(ref[p]!.data));
    }
  });

  it('random baseline = Medium mAP of seeded Gaussian queries and database of the same shape; a missing image is one line', async () => {
    const { state, ctx } = await runStates(retrievalAnalysis, ctxOf, batches, join(work, 'c'), { kind: 'whole' });
    const frag = await retrievalAnalysis.finishStudy!([{ model, dataset, state }], { study, config, backend: ctx.backend });
    const gnd = ds.queries.map((q) => ({ easy: [...q.easy], hard: [...q.hard], junk: [...q.junk] }));
    const d = await retrievalPerLayer(
      [gaussianLike(tensor(new Float32Array(3 * 16), [3, 16]), { seed: 0 })],
      [gaussianLike(tensor(new Float32Array(15 * 16), [15, 16]), { seed: 1 })],
      gnd,
    );
    expect(frag.baselines!.retrieval).toBe(d.medium.mAP.data[0]);
    const partial = await runStates(retrievalAnalysis, ctxOf, batches.slice(0, -1), join(work, 'd'), { kind: 'whole' });
    await expect(retrievalAnalysis.finishModel(partial.state, partial.ctx)).rejects.toThrow(/of the 15 database images were not seen/);
  });

  it('planted structure: features equal to the query one-hot of each positive give mAP 1 under every protocol', async () => {
    const D = 3;
    const all = [...ds.queries.map((_, q) => q), ...ds.database.map((_, i) => i % 3)]; // query q, database image i → one-hot of i mod 3
    const rows = new Float32Array(all.length * D);
    all.forEach((c, i) => (rows[i * D + c] = 1));
    const ctx = await passContext(plantedModel(1, D), dataset, study, config, join(work, 'e'));
    const state = await retrievalAnalysis.start(ctx);
    await state.update(plantedCapture([rows], D), items);
    const r = (await retrievalAnalysis.finishModel(state, ctx)).tasks!.retrieval!;
    expect([r.easy!.data[0], r.medium!.data[0], r.hard!.data[0]]).toEqual([1, 1, 1]);
  });
});
