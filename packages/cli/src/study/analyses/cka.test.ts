import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referenceBackend } from '@vit/io';
import { MinibatchCKA, type TokenMode } from '@vit/features';
import type { TapName } from '@vit/runtime';
import type { AnalysisState, FinishedModel, OpenDataset, OpenModel } from '../types.js';
import { ckaAnalysis, ckaConfig } from './cka.js';
import { capturePass, maxRelDiff, passContext, roundTrip, runState, tinyModel, values, zooSample, type Batch } from './internal/testing.js';

const backend = referenceBackend;
const work = mkdtempSync(join(tmpdir(), 'vit-study-cka-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const TAPS: TapName[] = ['block', 'attnSkip', 'attnBranch', 'mlpSkip', 'mlpBranch'];
let a: OpenModel;
let b: OpenModel;
let dataset: OpenDataset;
let passA: Batch[];
let passB: Batch[];
const config = ckaConfig.parse({ type: 'cka', dataset: 'sample', images: 16 });

beforeAll(async () => {
  a = await tinyModel(work, 'a', { seed: 3 });
  b = await tinyModel(work, 'b', { seed: 4, depth: 2, heads: 4 });
  dataset = await zooSample(24);
  passA = await capturePass(a, dataset, TAPS, 8);
  passB = await capturePass(b, dataset, TAPS, 8);
});

const opts = (tokens: TokenMode = 'cls') => ({ tokens, prefix: 1, batchSize: 8, onUndefined: 'nan' as const, backend });

async function finishStudy(states: [OpenModel, AnalysisState][], cfg = config) {
  const models: FinishedModel[] = states.map(([model, state]) => ({ model, dataset, state }));
  return ckaAnalysis.finishStudy!(models, { config: cfg, study: passContext(a, dataset, cfg).study, backend });
}

describe('cka analysis', () => {
  it('needs the block taps, and the residual taps unless residual is off', () => {
    expect(ckaAnalysis.needs(a, config)).toEqual({ taps: TAPS, clsOnly: true });
    expect(ckaAnalysis.needs(a, ckaConfig.parse({ type: 'cka', dataset: 's', residual: false, layers: [1, 2] }))).toEqual({ taps: ['block'], layers: [1, 2], clsOnly: true });
    expect(ckaAnalysis.needs(a, ckaConfig.parse({ type: 'cka', dataset: 's', tokens: 'mean' }))).toEqual({ taps: TAPS, clsOnly: false });
  });

  it('gives within-model and residual CKA of MinibatchCKA fed directly (exact)', async () => {
    const ctx = passContext(a, dataset, config, backend);
    const f = (await ckaAnalysis.finishModel(await runState(ckaAnalysis, ctx, passA), ctx)).features!;
    const within = new MinibatchCKA(opts());
    const attn = new MinibatchCKA(opts());
    const mlp = new MinibatchCKA(opts());
    for (const { capture } of passA) {
      await within.updateAsync(capture.taps.block!);
      await attn.updateAsync(capture.taps.attnSkip!, capture.taps.attnBranch!);
      await mlp.updateAsync(capture.taps.mlpSkip!, capture.taps.mlpBranch!);
    }
    expect(values(f.cka!)).toEqual(values(within.result()));
    const diag = (m: ReturnType<MinibatchCKA['result']>) => [0, 1, 2].map((l) => m.data[l * 3 + l]);
    expect(f.residualCKA!.layers).toEqual([1, 2, 3]);
    expect(values(f.residualCKA!.attention)).toEqual(diag(attn.result()));
    expect(values(f.residualCKA!.mlp)).toEqual(diag(mlp.result()));
    // A layer against itself is 1; the matrix is symmetric.
    const m = values(f.cka!);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(Math.abs(m[i * 3 + j] - (i === j ? 1 : m[j * 3 + i]))).toBeLessThan(1e-6);
  });

  it('gives CKA across models from the first `images` images, as MinibatchCKA fed both models’ captures (≤ 1e-6)', async () => {
    for (const tokens of ['cls', 'mean'] as const) {
      const cfg = ckaConfig.parse({ type: 'cka', dataset: 'sample', images: 16, tokens, residual: false });
      const sa = await runState(ckaAnalysis, passContext(a, dataset, cfg, backend), passA);
      const sb = await runState(ckaAnalysis, passContext(b, dataset, cfg, backend), passB);
      const again = await runState(ckaAnalysis, passContext(a, dataset, cfg, backend), passA);
      const across = (await finishStudy([[a, sa], [b, sb], [{ ...a, name: 'a2' }, again]], cfg)).across!;
      const direct = new MinibatchCKA(opts(tokens));
      for (let k = 0; k < 2; k++) await direct.updateAsync(passA[k].capture.taps.block!, passB[k].capture.taps.block!); // images 0–15
      const ab = across.pairCKA!.find((p) => p.a === 'a' && p.b === 'b')!;
      expect(ab.tokens).toBe(tokens);
      expect(ab.matrix.shape).toEqual([3, 2]);
      expect(maxRelDiff(ab.matrix, direct.result()), tokens).toBeLessThanOrEqual(1e-6);
      const last = across.lastLayerCKA!;
      expect(last.models).toEqual(['a', 'b', 'a2']);
      const M = values(last.matrix);
      expect(M[1]).toBe(ab.matrix.data[5]);
      expect(M[3]).toBe(M[1]);
      expect(Math.abs(M[2] - 1)).toBeLessThan(1e-6); // a model against a copy of itself
      expect([M[0], M[4], M[8]]).toEqual([1, 1, 1]);
      const self = across.pairCKA!.find((p) => p.a === 'a' && p.b === 'a2')!;
      for (let l = 0; l < 3; l++) expect(Math.abs(self.matrix.data[l * 3 + l] - 1)).toBeLessThan(1e-6);
    }
  });

  it('merges two shards into the single run’s numbers (≤ 1e-6) and resumes from a checkpoint exactly', async () => {
    const ctx = passContext(a, dataset, config, backend);
    const ctxB = passContext(b, dataset, config, backend);
    const whole = await runState(ckaAnalysis, ctx, passA);
    const wholeB = await runState(ckaAnalysis, ctxB, passB);
    const first = await runState(ckaAnalysis, ctx, passA.slice(0, 1));
    const second = await runState(ckaAnalysis, ctx, passA.slice(1));
    first.merge(await ckaAnalysis.restore(roundTrip(second), ctx));
    const [w, m] = [await ckaAnalysis.finishModel(whole, ctx), await ckaAnalysis.finishModel(first, ctx)];
    expect(maxRelDiff(m.features!.cka!, w.features!.cka!)).toBeLessThanOrEqual(1e-6);
    expect(maxRelDiff(m.features!.residualCKA!.attention, w.features!.residualCKA!.attention)).toBeLessThanOrEqual(1e-6);
    const acrossWhole = (await finishStudy([[a, whole], [b, wholeB]])).across!;
    const acrossMerged = (await finishStudy([[a, first], [b, wholeB]])).across!;
    expect(values(acrossMerged.lastLayerCKA!.matrix)).toEqual(values(acrossWhole.lastLayerCKA!.matrix));

    const part = await runState(ckaAnalysis, ctx, passA.slice(0, 2));
    const resumed = await runState(ckaAnalysis, ctx, passA.slice(2), await ckaAnalysis.restore(roundTrip(part), ctx));
    const r = await ckaAnalysis.finishModel(resumed, ctx);
    expect(values(r.features!.cka!)).toEqual(values(w.features!.cka!));
    expect(values(r.features!.residualCKA!.mlp)).toEqual(values(w.features!.residualCKA!.mlp));
    expect(values((await finishStudy([[a, resumed], [b, wholeB]])).across!.pairCKA![0].matrix)).toEqual(values(acrossWhole.pairCKA![0].matrix));
  });

  it('lays a layer subset over every layer with NaN, and needs enough common images across models', async () => {
    const cfg = ckaConfig.parse({ type: 'cka', dataset: 'sample', layers: [1, 3], images: 4, residual: false });
    const ctx = passContext(a, dataset, cfg, backend);
    const s = await runState(ckaAnalysis, ctx, passA);
    const cka = values((await ckaAnalysis.finishModel(s, ctx)).features!.cka!);
    expect(cka.filter(Number.isNaN)).toHaveLength(5); // row 2 and column 2
    expect(cka[0]).toBeCloseTo(1, 6);
    const sb = await runState(ckaAnalysis, passContext(b, dataset, ckaConfig.parse({ ...cfg, layers: [1] }), backend), passB);
    await expect(finishStudy([[a, s], [b, sb]], cfg)).rejects.toThrow(/^CKA across models needs at least 8 images seen by every model of the cka analysis on sample; got 4\. Raise its images option or use a larger dataset\.$/);
    expect(await finishStudy([[a, s]], cfg)).toEqual({});
  });

  it('reports the pairs asked for, and names a pair’s unknown model in one line', async () => {
    const sa = await runState(ckaAnalysis, passContext(a, dataset, config, backend), passA);
    const sb = await runState(ckaAnalysis, passContext(b, dataset, config, backend), passB);
    const three: [OpenModel, AnalysisState][] = [[a, sa], [b, sb], [{ ...a, name: 'a2' }, sa]];
    const only = (await finishStudy(three, ckaConfig.parse({ ...config, pairs: [['a2', 'b']] }))).across!;
    expect(only.pairCKA!.map((p) => [p.a, p.b])).toEqual([['b', 'a2']]);
    expect(only.lastLayerCKA!.models).toEqual(['a', 'b', 'a2']);
    expect((await finishStudy(three, ckaConfig.parse({ ...config, pairs: 'none' }))).across!.pairCKA).toBeUndefined();
    await expect(finishStudy(three, ckaConfig.parse({ ...config, pairs: [['a', 'c']] }))).rejects.toThrow(
      /^`pairs` of the cka analysis names model "c", which it did not run on \(have: a, b, a2\); list pairs of those models\.$/,
    );
  });
});
