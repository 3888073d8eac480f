import { describe, expect, it } from 'vitest';
import { studyConfig, type StudyConfig } from './config.js';
import { passFingerprint, planStudy } from './plan.js';
import type { OpenDataset, OpenModel, StudyAnalysis } from './types.js';

const model = (name: string, hash = name): OpenModel => ({ name, onnx: `/m/${name}.onnx`, hash, source: name, preset: 'imagenet', layers: 12, heads: 6, dim: 384, grid: [14, 14], prefix: 1, patch: 16, imageSize: [224, 224] });
const dataset = (name: string, n = 10): OpenDataset => ({
  name,
  reader: 'folder',
  root: `/d/${name}`,
  items: Array.from({ length: n }, (_, index) => ({ index, id: `${index}.png`, path: `/d/${name}/${index}.png` })),
  source: undefined,
  describe: () => ({ dataset: name, root: `/d/${name}`, split: '', samples: n, counts: {}, skipped: [] }),
});
const fake = (type: string, taps: ('attention' | 'block' | 'attnSkip')[], layers?: number[], clsOnly?: boolean): StudyAnalysis => ({
  type,
  needs: () => ({ taps, ...(layers ? { layers } : {}), ...(clsOnly ? { clsOnly } : {}) }),
  start: () => ({ update() {}, merge() {}, toJSON: () => null }),
  restore: () => ({ update() {}, merge() {}, toJSON: () => null }),
  finishModel: async () => ({}),
});

const config = (analyses: unknown[]): StudyConfig =>
  studyConfig.parse({
    models: [{ name: 'fs', onnx: 'fs.onnx' }, { name: 'dino', onnx: 'dino.onnx' }],
    datasets: [{ name: 'sample', reader: 'folder', root: 's' }, { name: 'coco', reader: 'coco', root: 'c' }, { name: 'unused', reader: 'folder', root: 'u' }],
    analyses,
  }) as StudyConfig;

describe('planStudy', () => {
  const models = new Map([['fs', model('fs')], ['dino', model('dino')]]);
  const datasets = new Map([['sample', dataset('sample')], ['coco', dataset('coco')]]);
  const registry = { attention: fake('attention', ['attention']), cka: fake('cka', ['block', 'attnSkip'], [3, 12]), clustering: fake('clustering', ['block'], [12, -1, 1]), saliency: fake('saliency', ['attention']) };

  it('makes one pass per (model, dataset) with the union of taps and layers, in config order', () => {
    const c = config([
      { type: 'cka', dataset: 'sample' },
      { type: 'saliency', dataset: 'coco', models: ['dino'] },
      { type: 'clustering', dataset: 'sample' },
      { type: 'attention', dataset: 'coco' },
    ]);
    const passes = planStudy(c, models, datasets, registry);
    expect(passes.map((p) => [p.label, p.entries.map((e) => e.index), p.taps, p.layers])).toEqual([
      ['fs × sample', [0, 2], ['block', 'attnSkip'], [1, 3, 12]],
      ['fs × coco', [3], ['attention'], undefined],
      ['dino × sample', [0, 2], ['block', 'attnSkip'], [1, 3, 12]],
      ['dino × coco', [1, 3], ['attention'], undefined],
    ]);
  });

  it('cuts a token tap to its CLS token only when every entry that needs it reads only that', () => {
    const reg = { ...registry, cka: fake('cka', ['block', 'attnSkip'], undefined, true), knn: fake('knn', ['block'], undefined, true) };
    const tokens = (analyses: unknown[]) => planStudy(config(analyses), models, datasets, reg).map((p) => p.tokens);
    expect(tokens([{ type: 'cka', dataset: 'sample', models: ['fs'] }])).toEqual([{ block: 'cls', attnSkip: 'cls' }]);
    expect(tokens([{ type: 'cka', dataset: 'sample', models: ['fs'] }, { type: 'knn', dataset: 'sample', models: ['fs'] }])).toEqual([{ block: 'cls', attnSkip: 'cls' }]);
    // clustering reads whole block outputs: block stays [B,T,D], attnSkip is still cut
    expect(tokens([{ type: 'cka', dataset: 'sample', models: ['fs'] }, { type: 'clustering', dataset: 'sample', models: ['fs'] }])).toEqual([{ attnSkip: 'cls' }]);
    expect(tokens([{ type: 'attention', dataset: 'sample', models: ['fs'] }])).toEqual([{}]);
    // no CLS token: nothing is cut (the analyses report the missing CLS token themselves)
    const gap = new Map([['fs', { ...model('fs'), prefix: 0 }]]);
    expect(planStudy(config([{ type: 'cka', dataset: 'sample', models: ['fs'] }]), gap, datasets, reg).map((p) => p.tokens)).toEqual([{}]);
  });

  it("joins an entry to the passes of every dataset of its datasets() (k-NN's test and train sets)", () => {
    const knn: StudyAnalysis = { ...fake('knn', ['block'], [12]), datasets: (c) => [c.dataset, 'sample'] };
    const c = config([{ type: 'knn', dataset: 'coco', models: ['fs'] }]);
    const passes = planStudy(c, models, datasets, { ...registry, knn });
    expect(passes.map((p) => [p.label, p.entries.map((e) => e.index)])).toEqual([
      ['fs × sample', [0]],
      ['fs × coco', [0]],
    ]);
  });

  it('names an analysis type without an implementation', () => {
    const c = config([{ type: 'davis', dataset: 'sample' }]);
    expect(() => planStudy(c, models, datasets, registry)).toThrow('analyses[0].type: "davis" has no implementation in this version of vit (available: attention, cka, clustering, saliency).');
  });

  it('fingerprints what the results depend on, and nothing else', () => {
    const c = config([{ type: 'cka', dataset: 'sample' }]);
    const [p] = planStudy(c, models, datasets, registry);
    const fp = passFingerprint(p, c, { k: 1, n: 1 }, '1.0.0');
    expect(fp).toMatch(/^[0-9a-f]{64}$/);
    expect(passFingerprint(p, { ...c, checkpointEvery: 3, title: 'x' }, { k: 1, n: 1 }, '1.0.0')).toBe(fp);
    expect(passFingerprint(p, { ...c, batchSize: 8 }, { k: 1, n: 1 }, '1.0.0')).not.toBe(fp);
    expect(passFingerprint(p, { ...c, seed: 1 }, { k: 1, n: 1 }, '1.0.0')).not.toBe(fp);
    expect(passFingerprint(p, c, { k: 1, n: 2 }, '1.0.0')).not.toBe(fp);
    expect(passFingerprint(p, c, { k: 1, n: 1 }, '1.0.1')).not.toBe(fp);
    expect(passFingerprint({ ...p, model: model('fs', 'other-hash') }, c, { k: 1, n: 1 }, '1.0.0')).not.toBe(fp);
    expect(passFingerprint({ ...p, dataset: dataset('sample', 11) }, c, { k: 1, n: 1 }, '1.0.0')).not.toBe(fp);
    const [q] = planStudy(config([{ type: 'cka', dataset: 'sample', layers: [2] }]), models, datasets, registry);
    expect(passFingerprint(q, c, { k: 1, n: 1 }, '1.0.0')).not.toBe(fp);
  });
});
