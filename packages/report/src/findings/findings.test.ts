import { describe, expect, it } from 'vitest';
import { tensor } from '@vit/io';
import { clsMaps, lh, plantedInput, t1 } from '../../test/planted.js';
import type { ReportInput } from '../types.js';
import { checkFindings } from './checkFindings.js';
import { localGlobalOrderFinding } from './localGlobalOrderFinding.js';
import { localTaskLayerFinding } from './localTaskLayerFinding.js';
import { noSingleBestFinding } from './noSingleBestFinding.js';
import { offsetLocalFinding } from './offsetLocalFinding.js';
import { reconstructionClsFinding } from './reconstructionClsFinding.js';
import { saliencyEarlyFinding } from './saliencyEarlyFinding.js';
import { sparsePatternsFinding } from './sparsePatternsFinding.js';

const model = (input: ReportInput, name: string) => input.models.find((m) => m.name === name)!;
const without = (input: ReportInput, f: (m: ReportInput['models'][number]) => void): ReportInput => {
  input.models.forEach(f);
  return input;
};

describe('findings on planted results', () => {
  it('every finding holds on the planted study, in the paper order', () => {
    const fs = checkFindings(plantedInput());
    expect(fs.map((f) => f.id)).toEqual(['sparse-repeating-patterns', 'offset-local-heads', 'local-global-order', 'saliency-early-to-mid', 'reconstruction-cls-semantics', 'local-tasks-best-layer', 'no-single-best']);
    for (const f of fs) expect([f.id, f.status]).toEqual([f.id, 'holds']);
  });

  it('sparse patterns: numbers are the top-5% concentration of the late CLS maps; flips when dino is sparse too', () => {
    const input = plantedInput();
    const f = sparsePatternsFinding(input);
    // planted: fs late maps hold 0.99 in one of 16 cells (top ⌈0.8⌉ = 1 cell); others uniform 1/16
    expect(f.numbers.fs).toBeCloseTo(0.99, 6);
    expect(f.numbers.dino).toBeCloseTo(0.063, 3); // 1/16 rounded to 3 decimals
    model(input, 'dino').attention!.clsMaps = clsMaps(4, 2, 4, true);
    expect(sparsePatternsFinding(input).status).toBe('does not hold');
    // the sparsePattern tensor takes precedence over the maps
    model(input, 'fs').attention!.sparsePattern = lh(4, 2, () => 0.9);
    model(input, 'dino').attention!.sparsePattern = lh(4, 2, (l) => (l < 2 ? 0.95 : 0.1));
    model(input, 'mae').attention!.sparsePattern = lh(4, 2, () => 0.2);
    const g = sparsePatternsFinding(input);
    expect(g.status).toBe('holds');
    expect(g.numbers).toMatchObject({ fs: 0.9, dino: 0.1, mae: 0.2 });
  });

  it('sparse patterns: not measured without an explicitly supervised model', () => {
    const input = plantedInput();
    input.models = input.models.filter((m) => m.method !== 'fs');
    const f = sparsePatternsFinding(input);
    expect(f.status).toBe('not measured');
    expect(f.missing).toMatch(/explicitly supervised/);
  });

  it('offset-local heads: counts per trained model; one model without → does not hold; no taxonomy → not measured', () => {
    const input = plantedInput();
    expect(offsetLocalFinding(input).numbers).toEqual({ fs: 1, dino: 1, mae: 1 });
    model(input, 'mae').attention!.taxonomy!.index = lh(4, 2, () => 4);
    const f = offsetLocalFinding(input);
    expect(f.status).toBe('does not hold');
    expect(f.evidence).toMatch(/none in mae/);
    expect(offsetLocalFinding(without(plantedInput(), (m) => delete m.attention!.taxonomy)).status).toBe('not measured');
  });

  it('local/global order: late rise computed by hand; equal rises → does not hold', () => {
    const input = plantedInput();
    const f = localGlobalOrderFinding(input);
    // fs: d = [0.5,0.2,0.3,0.5], last ⌈4/3⌉ = 2 layers mean 0.4, min 0.2 → 0.2
    expect(f.numbers.fs).toBeCloseTo(0.2, 6);
    expect(f.numbers.mae).toBeCloseTo(0.01, 6); // (0.2+0.22)/2 − 0.2
    model(input, 'mae').attention!.distance = lh(4, 2, (l) => [0.5, 0.2, 0.4, 0.6][l]);
    expect(localGlobalOrderFinding(input).status).toBe('does not hold');
    input.models = input.models.filter((m) => m.method !== 'mae');
    expect(localGlobalOrderFinding(input).missing).toMatch(/reconstruction model/);
  });

  it('saliency early: ratio of the best early-half IoU to the best IoU; a late peak fails', () => {
    const input = plantedInput();
    expect(saliencyEarlyFinding(input).numbers).toEqual({ fs: 1, dino: 1, mae: 1 });
    model(input, 'dino').attention!.saliency = { oracle: t1([0.1, 0.2, 0.3, 0.8]) };
    const f = saliencyEarlyFinding(input);
    expect(f.numbers.dino).toBeCloseTo(0.25, 6);
    expect(f.status).toBe('does not hold');
    expect(saliencyEarlyFinding(without(plantedInput(), (m) => delete m.attention!.saliency)).status).toBe('not measured');
  });

  it('reconstruction CLS: k-NN against the baseline, then the untrained model, then NMI', () => {
    const input = plantedInput();
    expect(reconstructionClsFinding(input).numbers).toMatchObject({ reference: 0.1, mae: 0.4 });
    model(input, 'mae').tasks!.knn!.top1 = t1([0.1, 0.12, 0.14, 0.13]);
    expect(reconstructionClsFinding(input).status).toBe('does not hold'); // 0.14 < 0.1 + 0.05
    delete input.baselines;
    const f = reconstructionClsFinding(input);
    expect(f.numbers.reference).toBeCloseTo(0.12, 6); // best of the untrained model
    expect(f.status).toBe('does not hold');
    const nmiOnly = without(plantedInput(), (m) => delete m.tasks!.knn);
    const g = reconstructionClsFinding(nmiOnly);
    expect(g.numbers.measure).toBe('CLS clustering NMI');
    expect(g.numbers.mae).toBeCloseTo(0.28, 6); // 0.4 × 0.7
    expect(g.status).toBe('holds');
    nmiOnly.models = nmiOnly.models.filter((m) => m.method !== 'mae');
    expect(reconstructionClsFinding(nmiOnly).status).toBe('not measured');
  });

  it('local tasks: best layer is the last in most pairs → does not hold', () => {
    const input = plantedInput();
    for (const m of input.models) {
      m.tasks!.davis!.jf = t1([0.1, 0.2, 0.3, 0.4]);
      m.tasks!.spair!.pck = t1([0.1, 0.2, 0.3, 0.4]);
    }
    model(input, 'fs').tasks!.spair!.pck = t1([0.1, 0.5, 0.3, 0.4]);
    const f = localTaskLayerFinding(input);
    expect(f.status).toBe('does not hold');
    expect(f.evidence).toMatch(/1 of 6/);
    expect(localTaskLayerFinding(without(plantedInput(), (m) => (delete m.tasks!.davis, delete m.tasks!.spair))).status).toBe('not measured');
  });

  it('no single best: one model best everywhere at one layer → does not hold; one task → not measured', () => {
    const input = plantedInput();
    for (const m of input.models) for (const k of ['knn', 'davis', 'spair'] as const) Object.assign(m.tasks![k]!, k === 'knn' ? { top1: t1([0.1, 0.2, 0.3, m.name === 'fs' ? 0.9 : 0.4]) } : k === 'davis' ? { jf: t1([0.1, 0.2, 0.3, m.name === 'fs' ? 0.9 : 0.4]) } : { pck: t1([0.1, 0.2, 0.3, m.name === 'fs' ? 0.9 : 0.4]) });
    const f = noSingleBestFinding(input);
    expect(f.status).toBe('does not hold');
    expect(f.numbers).toMatchObject({ 'knn winner': 'fs', 'davis winner': 'fs', 'spair winner': 'fs' });
    const one = without(plantedInput(), (m) => (delete m.tasks!.davis, delete m.tasks!.spair));
    expect(noSingleBestFinding(one).status).toBe('not measured');
  });

  it('ignores NaN layers and honours explicit layer lists', () => {
    const input = plantedInput();
    model(input, 'dino').tasks!.davis = { layers: [2, 4, 6], jf: tensor(Float32Array.from([0.2, NaN, 0.9]), [3]) };
    const f = localTaskLayerFinding(input);
    expect(f.numbers['dino davis']).toBe(6);
  });
});
