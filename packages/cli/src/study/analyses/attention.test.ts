import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImage, referenceBackend, tensor } from '@vit/io';
import { AttentionSuiteAccumulator, attentionOffset, classifyHeads, sparsePatternScore } from '@vit/attention';
import { PCAAccumulator, pca, pcaProject, type PCAModel } from '@vit/features';
import { resizeBicubic } from '@vit/runtime';
import type { OpenDataset, OpenModel } from '../types.js';
import { attentionAnalysis, attentionConfig } from './attention.js';
import { capturePass, maxRelDiff, passContext, roundTrip, runState, tinyModel, values, zooSample, type Batch } from './internal/testing.js';

const backend = referenceBackend;
const work = mkdtempSync(join(tmpdir(), 'vit-study-attention-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let model: OpenModel;
let dataset: OpenDataset;
let batches: Batch[];
const config = attentionConfig.parse({ type: 'attention', dataset: 'sample' });

beforeAll(async () => {
  model = await tinyModel(work, 'tiny', { seed: 3 });
  dataset = await zooSample(24);
  batches = await capturePass(model, dataset, ['attention', 'block'], 8);
});

describe('attention analysis', () => {
  it('needs attention (and block taps for the viewer examples), over the configured layers', () => {
    expect(attentionAnalysis.needs(model, config)).toEqual({ taps: ['attention', 'block'] });
    expect(attentionAnalysis.needs(model, attentionConfig.parse({ type: 'attention', dataset: 's', examples: 0, layers: [2] }))).toEqual({ taps: ['attention'], layers: [2] });
  });

  it('gives the numbers of the @vit/attention and @vit/features calls made directly (exact)', async () => {
    const ctx = passContext(model, dataset, config, backend);
    const frag = await attentionAnalysis.finishModel(await runState(attentionAnalysis, ctx, batches), ctx);

    const suite = new AttentionSuiteAccumulator();
    for (const { capture } of batches) suite.update(capture);
    const r = suite.result();
    const a = frag.attention!;
    expect(values(a.clsMaps!)).toEqual(values(r.cls!.maps));
    expect(values(a.aaam!)).toEqual(values(r.aaam!.aaam));
    expect(values(a.distance!)).toEqual(values(r.distance!.perHead));
    expect(values(a.sparsePattern!)).toEqual(values(sparsePatternScore(r.cls!.maps)));
    const off = attentionOffset(r.aaam!.aaam);
    for (const k of ['dx', 'dy', 'offset', 'offsetNormalized'] as const) expect(values(a.offsets![k]), k).toEqual(values(off[k]));
    // offsetNormalized = offset / (g − 1) on the 4×4 grid
    values(a.offsets!.offset).forEach((o, i) => expect(values(a.offsets!.offsetNormalized)[i]).toBeCloseTo(o / 3, 6));
    const heads = classifyHeads(r.aaam!.aaam, r.distance!.perHead);
    expect(a.taxonomy!.classes).toEqual(['strict-local', 'soft-local', 'axial-local', 'offset-local', 'global', 'mixed']);
    expect(values(a.taxonomy!.index)).toEqual(heads.map((h) => a.taxonomy!.classes.indexOf(h.class)));
    expect(values(a.taxonomy!.offset!)).toEqual(heads.flatMap((h) => (h.offset ? [h.offset.dx, h.offset.dy] : [NaN, NaN])));

    // Viewer examples: the first 3 images, their attention, PCA-RGB of their patch tokens, pixels as the model saw them.
    const ex = frag.examples!;
    expect(ex.map((e) => e.id)).toEqual(dataset.items.slice(0, 3).map((it) => it.id));
    const { capture } = batches[0];
    const [gh, gw] = model.grid;
    const T = 1 + gh * gw;
    const H = model.heads;
    const D = model.dim;
    // By default the PCA of each layer is fitted on the examples' own patch tokens (pca() of @vit/features).
    const fitted: PCAModel[] = [];
    for (let l = 0; l < 3; l++) {
      const blk = capture.taps.block![l];
      const rows = new Float32Array(3 * gh * gw * D);
      for (let e = 0; e < 3; e++) rows.set(blk.data.subarray(blk.offset + (e * T + 1) * D, blk.offset + (e + 1) * T * D), e * gh * gw * D);
      const { projected: _projected, ...m } = await pca(tensor(rows, [3 * gh * gw, D]), { k: 3, backend });
      fitted.push(m);
    }
    for (let e = 0; e < 3; e++) {
      expect(ex[e].layers).toBeUndefined();
      expect(ex[e].attention!.shape).toEqual([3, H, T, T]);
      for (let l = 0; l < 3; l++) {
        const src = capture.taps.attention![l];
        const got = ex[e].attention!.data.subarray(l * H * T * T, (l + 1) * H * T * T);
        expect(Array.from(got)).toEqual(Array.from(src.data.subarray(src.offset + e * H * T * T, src.offset + (e + 1) * H * T * T)));
        const blk = capture.taps.block![l];
        const toks = tensor(Float32Array.from(blk.data.subarray(blk.offset + (e * T + 1) * D, blk.offset + (e + 1) * T * D)), [gh * gw, D]);
        const want = await pcaProject(toks, fitted[l], { backend });
        expect(Array.from(ex[e].pca!.data.subarray(l * gh * gw * 3, (l + 1) * gh * gw * 3))).toEqual(values(want));
      }
      // The zoo's 64×64 images go through the 'imagenet' preset at 32: Pillow's bicubic resize to 32×32, no crop left.
      const direct = resizeBicubic(await readImage(dataset.items[e].path), 32, 32);
      expect(ex[e].image.shape).toEqual([32, 32, 3]);
      expect(Array.from(ex[e].image.data)).toEqual(Array.from(direct.data));
    }
  });

  it('lays a layer subset over every layer with NaN for the others, and pcaImages fits the PCA on the first images', async () => {
    const cfg = attentionConfig.parse({ type: 'attention', dataset: 'sample', layers: [2], examples: 1, pcaImages: 8 });
    const ctx = passContext(model, dataset, cfg, backend);
    const frag = await attentionAnalysis.finishModel(await runState(attentionAnalysis, ctx, batches), ctx);
    const suite = new AttentionSuiteAccumulator();
    const pca = new PCAAccumulator({ k: 3, layer: 2, tokens: 'spatial', backend });
    for (const { capture } of batches) suite.update({ attention: [capture.taps.attention![1]], grid: capture.grid });
    await pca.updateAsync(batches[0].capture as never); // the first 8 images
    const H = model.heads;
    const [gh, gw] = model.grid;
    const dist = frag.attention!.distance!;
    expect(dist.shape).toEqual([3, H]);
    expect(values(dist).slice(0, H).every(Number.isNaN)).toBe(true);
    expect(values(dist).slice(2 * H).every(Number.isNaN)).toBe(true);
    expect(values(dist).slice(H, 2 * H)).toEqual(values(suite.result().distance!.perHead));
    expect(frag.attention!.clsMaps!.shape).toEqual([3, H, gh, gw]);
    const tax = frag.attention!.taxonomy!;
    expect(tax.classes[6]).toBe('not analysed');
    expect(values(tax.index).map((i) => tax.classes[i] === 'not analysed')).toEqual([...Array(H).fill(true), ...Array(H).fill(false), ...Array(H).fill(true)]);
    const ex = frag.examples!;
    expect(ex).toHaveLength(1);
    expect(ex[0].layers).toEqual([2]);
    const blk = batches[0].capture.taps.block![1];
    const T = 1 + gh * gw;
    const toks = tensor(Float32Array.from(blk.data.subarray(blk.offset + model.dim, blk.offset + T * model.dim)), [gh * gw, model.dim]);
    expect(Array.from(ex[0].pca!.data)).toEqual(values(await pcaProject(toks, pca.result(), { backend })));
  });

  it('rejects layers past the model’s last in one line', async () => {
    const ctx = passContext(model, dataset, attentionConfig.parse({ type: 'attention', dataset: 'sample', layers: [4] }), backend);
    expect(() => attentionAnalysis.start(ctx)).toThrow(/^`layers` of the attention analysis: layer 4 is out of range for model tiny \(it has layers 1 to 3\); pick layers in that range\.$/);
  });

  it('merges two shards into the single run’s numbers (≤ 1e-6 relative)', async () => {
    const ctx = passContext(model, dataset, config, backend);
    const whole = await attentionAnalysis.finishModel(await runState(attentionAnalysis, ctx, batches), ctx);
    const first = await runState(attentionAnalysis, ctx, batches.slice(0, 1));
    const second = await runState(attentionAnalysis, ctx, batches.slice(1));
    first.merge(await attentionAnalysis.restore(roundTrip(second), ctx));
    const merged = await attentionAnalysis.finishModel(first, ctx);
    for (const k of ['clsMaps', 'aaam', 'distance', 'sparsePattern'] as const) expect(maxRelDiff(merged.attention![k]!, whole.attention![k]!), k).toBeLessThanOrEqual(1e-6);
    expect(values(merged.attention!.taxonomy!.index)).toEqual(values(whole.attention!.taxonomy!.index));
    expect(merged.examples!.map((e) => e.id)).toEqual(whole.examples!.map((e) => e.id));
    for (let e = 0; e < 3; e++) {
      expect(Array.from(merged.examples![e].attention!.data)).toEqual(Array.from(whole.examples![e].attention!.data));
      // PCA axes from merged scatter matrices: the same up to float summation order (signs follow the eigensolver).
      const a = values(merged.examples![e].pca!);
      const b = values(whole.examples![e].pca!);
      expect(Math.max(...a.map((x, i) => Math.abs(Math.abs(x) - Math.abs(b[i]))))).toBeLessThan(1e-4);
    }
    // A later shard holding none of the examples merges into an empty one too.
    const empty = await attentionAnalysis.start(ctx);
    empty.merge(second);
    expect((await attentionAnalysis.finishModel(empty, ctx)).examples).toBeUndefined();
  });

  it('resumes from a checkpointed (structured-clone) state with exactly the uninterrupted numbers', async () => {
    const ctx = passContext(model, dataset, config, backend);
    const whole = await attentionAnalysis.finishModel(await runState(attentionAnalysis, ctx, batches), ctx);
    const part = await runState(attentionAnalysis, ctx, batches.slice(0, 2));
    const json = JSON.parse(JSON.stringify(roundTrip(part), (_k, v: unknown) => (v instanceof Float32Array ? { f32: Array.from(v) } : v)), (_k, v: { f32?: number[] }) =>
      v && typeof v === 'object' && Array.isArray(v.f32) ? Float32Array.from(v.f32) : v,
    ) as unknown;
    const resumed = await runState(attentionAnalysis, ctx, batches.slice(2), await attentionAnalysis.restore(json, ctx));
    const again = await attentionAnalysis.finishModel(resumed, ctx);
    for (const k of ['clsMaps', 'aaam', 'distance', 'sparsePattern'] as const) expect(values(again.attention![k]!), k).toEqual(values(whole.attention![k]!));
    for (let e = 0; e < 3; e++) expect(values(again.examples![e].pca!)).toEqual(values(whole.examples![e].pca!));
  });

  it('recovers planted heads: a strict-local and an offset-local head with one hot CLS cell', async () => {
    // 4×4 grid, CLS + 16 tokens; head 0 attends to the query itself, head 1 to its right neighbour
    // (the last column to itself); both CLS rows put all mass on cell 5.
    const [gh, gw, T, B] = [4, 4, 17, 2];
    const att = new Float32Array(B * 2 * T * T);
    for (let b = 0; b < B; b++)
      for (let h = 0; h < 2; h++) {
        const o = (b * 2 + h) * T * T;
        att[o + 1 + 5] = 1;
        for (let q = 0; q < 16; q++) {
          const [i, j] = [Math.floor(q / gw), q % gw];
          const k = h === 0 || j === gw - 1 ? q : i * gw + j + 1;
          att[o + (1 + q) * T + 1 + k] = 1;
        }
      }
    const planted: OpenModel = { ...model, name: 'planted', layers: 1, heads: 2, grid: [gh, gw] };
    const ds: OpenDataset = { ...dataset, items: dataset.items.slice(0, B) };
    const cfg = attentionConfig.parse({ type: 'attention', dataset: 'sample', examples: 0 });
    const ctx = passContext(planted, ds, cfg, backend);
    const state = await attentionAnalysis.start(ctx);
    const capture = { taps: { attention: [tensor(att, [B, 2, T, T])] }, layers: [1], grid: { gh, gw, prefix: 1, patch: 8 }, meta: { batch: B, ids: [], indices: [0, 1], labels: [], skipped: [] } };
    await state.update(capture, ds.items);
    const a = (await attentionAnalysis.finishModel(state, ctx)).attention!;
    expect(values(a.taxonomy!.index).map((i) => a.taxonomy!.classes[i])).toEqual(['strict-local', 'offset-local']);
    expect(values(a.taxonomy!.offset!)).toEqual([NaN, NaN, 1, 0]);
    expect(values(a.offsets!.dx)[0]).toBe(0);
    expect(values(a.offsets!.dx)[1]).toBeCloseTo(12 / 16, 6); // 12 of 16 queries look one cell right
    expect(values(a.offsets!.dy)).toEqual([0, 0]);
    expect(values(a.sparsePattern!)).toEqual([1, 1]);
    expect(values(a.clsMaps!).indexOf(1)).toBe(5);
    expect(values(a.distance!)[0]).toBe(0);
    expect(values(a.distance!)[1]).toBeCloseTo((12 * (1 / 3)) / 16, 6); // a step of 1/(g−1) for 12 of 16 queries
  });

  it('refuses a state of another analysis on restore', () => {
    const ctx = passContext(model, dataset, config, backend);
    expect(() => attentionAnalysis.restore({ kind: 'study-cka', version: 1 }, ctx)).toThrow(/cannot restore this checkpoint state/);
  });
});
