import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VitValueError } from '@vit/io';
import { vitPresets } from '@vit/runtime';
import { analysisConfig } from './analyses/configs.js';
import { parseStudyConfig } from './config.js';

const good = () => ({
  title: 't',
  models: [
    { name: 'fs', method: 'fs', onnx: 'zoo/fs.onnx', preset: 'imagenet' },
    { name: 'dino', checkpoint: 'ckpt/dino.pth', builder: 'dino' },
  ],
  datasets: [
    { name: 'sample', reader: 'folder', root: 'zoo/bench/sample', limit: 100 },
    { name: 'coco', reader: 'coco', root: '/data/coco', split: 'val2017' },
  ],
  analyses: [
    { type: 'attention', dataset: 'sample' },
    { type: 'saliency', dataset: 'coco', models: ['fs'] },
    { type: 'cka', dataset: 'sample', layers: [1, 2] },
    { type: 'knn', dataset: 'sample' },
  ],
});

/** The one-line message a bad config gets. */
function messageOf(value: unknown, file = 'study.yaml'): string {
  try {
    parseStudyConfig(value, { file });
  } catch (e) {
    expect(e).toBeInstanceOf(VitValueError);
    expect((e as VitValueError).code).toBe('VIT_STUDY_CONFIG');
    const m = (e as Error).message;
    expect(m).not.toContain('\n');
    return m;
  }
  throw new Error('the config was accepted');
}

type Cfg = ReturnType<typeof good> & Record<string, unknown>;
const bad = (edit: (c: Cfg) => void): Cfg => {
  const c = good() as Cfg;
  edit(c);
  return c;
};

describe('parseStudyConfig', () => {
  it('fills in the defaults and resolves relative paths against the config file', () => {
    const c = parseStudyConfig(good(), { file: '/work/cfg/study.yaml' });
    expect([c.seed, c.batchSize, c.device, c.checkpointEvery]).toEqual([0, 32, 'cpu', 10]);
    expect(c.report).toEqual({ enabled: true, viewerImages: 3 });
    expect(c.models[0].onnx).toBe('/work/cfg/zoo/fs.onnx');
    expect(c.models[1].checkpoint).toBe('/work/cfg/ckpt/dino.pth');
    expect(c.models[1].builder).toBe('dino');
    expect(c.datasets[0].root).toBe('/work/cfg/zoo/bench/sample');
    expect(c.datasets[1].root).toBe('/data/coco');
    expect(c.analyses.map((a) => a.type)).toEqual(['attention', 'saliency', 'cka', 'knn']);
  });

  it('resolves against the working directory without a file, and a .json builder as a path', () => {
    const v = good();
    (v.models[1] as Record<string, unknown>).builder = 'cfg/vit.json';
    const c = parseStudyConfig(v);
    expect(c.models[0].onnx).toBe(resolve('zoo/fs.onnx'));
    expect(c.models[1].builder).toBe(resolve('cfg/vit.json'));
  });

  it('keeps given values over defaults', () => {
    const c = parseStudyConfig({ ...good(), seed: 7, batchSize: 4, device: 'cuda', checkpointEvery: 2, report: { enabled: false } });
    expect([c.seed, c.batchSize, c.device, c.checkpointEvery, c.report.enabled, c.report.viewerImages]).toEqual([7, 4, 'cuda', 2, false, 3]);
  });

  const cases: [string, unknown, string][] = [
    ['a dataset that is not one', bad((c) => ((c.analyses[3] as { dataset: string }).dataset = 'cocoo')), 'study.yaml: analyses[3].dataset: "cocoo" is not a dataset of this config (have: sample, coco); did you mean "coco"?'],
    ['a negative batch size', bad((c) => (c.batchSize = -1)), 'study.yaml: batchSize: -1 must be a whole number ≥ 1'],
    ['a fractional batch size', bad((c) => (c.batchSize = 2.5)), 'study.yaml: batchSize: 2.5 must be a whole number ≥ 1'],
    ['a batch size as text', bad((c) => (c.batchSize = '32')), 'study.yaml: batchSize: "32" must be a whole number ≥ 1'],
    ['an unknown device', bad((c) => (c.device = 'gpu')), 'study.yaml: device: "gpu" must be one of cpu, cuda (did you mean "cpu"?)'],
    ['an unknown top-level field', bad((c) => (c.batchsize = 4)), 'study.yaml: unknown field "batchsize" (did you mean "batchSize"?); allowed: title, seed, batchSize, device, checkpointEvery, checkpointSeconds, models, datasets, analyses, report'],
    ['no models', bad((c) => (c.models = [] as never)), 'study.yaml: models: [] must be a non-empty list (each an object with fields name, method, onnx, checkpoint, builder, preset)'],
    ['missing datasets', bad((c) => delete (c as Partial<Cfg>).datasets), 'study.yaml: datasets: missing; must be a non-empty list (each an object with fields name, reader, root, split, limit, options)'],
    ['a model name with a space', bad((c) => (c.models[0].name = 'my model')), 'study.yaml: models[0].name: "my model" must be a name of letters, digits, "_", "." and "-"'],
    ['a model field typo', bad((c) => ((c.models[0] as Record<string, unknown>).onxx = 'a.onnx')), 'study.yaml: models[0]: unknown field "onxx" (did you mean "onnx"?); allowed: name, method, onnx, checkpoint, builder, preset'],
    ['an unknown reader', bad((c) => (c.datasets[1].reader = 'cocco')), 'study.yaml: datasets[1].reader: "cocco" must be one of folder, imagenet, imagenet50, coco, partImageNet, davis, spair, revisited (did you mean "coco"?)'],
    ['a limit of 0', bad((c) => ((c.datasets[0] as Record<string, unknown>).limit = 0)), 'study.yaml: datasets[0].limit: 0 must be a whole number ≥ 1'],
    ['a missing root', bad((c) => delete (c.datasets[0] as Partial<Cfg['datasets'][0]>).root), 'study.yaml: datasets[0].root: missing; must be a non-empty string'],
    ['an unknown analysis type', bad((c) => (c.analyses[0].type = 'atention')), 'study.yaml: analyses[0].type: "atention" must be one of attention, saliency, cka, clustering, knn, retrieval, davis, spair (did you mean "attention"?)'],
    ['an analysis without a type', bad((c) => delete (c.analyses[0] as Partial<Cfg['analyses'][0]>).type), 'study.yaml: analyses[0].type: missing; must be one of attention, saliency, cka, clustering, knn, retrieval, davis, spair'],
    ['a layer 0', bad((c) => ((c.analyses[2] as { layers: number[] }).layers = [0])), 'study.yaml: analyses[2].layers[0]: 0 must be a whole number ≥ 1'],
    ['an unknown model in an analysis', bad((c) => ((c.analyses[1] as { models: string[] }).models = ['fs', 'din'])), 'study.yaml: analyses[1].models[1]: "din" is not a model of this config (have: fs, dino); did you mean "dino"?'],
    ['a duplicate model name', bad((c) => (c.models[1].name = 'fs')), 'study.yaml: models[1].name: "fs" is already the name of models[0]; names must be unique'],
    ['a duplicate dataset name', bad((c) => c.datasets.push({ name: 'sample', reader: 'coco', root: 'x' } as never)), 'study.yaml: datasets[2].name: "sample" is already the name of datasets[0]; names must be unique'],
    ['a model with neither onnx nor checkpoint', bad((c) => delete (c.models[0] as Partial<Cfg['models'][0]>).onnx), 'study.yaml: models[0]: needs "onnx" (an ONNX file) or "checkpoint" (a checkpoint to build); it has neither'],
    ['a model with both', bad((c) => ((c.models[0] as Record<string, unknown>).checkpoint = 'x.pth')), 'study.yaml: models[0]: has both "onnx" and "checkpoint"; give exactly one'],
    ['a builder without a checkpoint', bad((c) => ((c.models[0] as Record<string, unknown>).builder = 'dino')), 'study.yaml: models[0].builder: applies only with "checkpoint" (an ONNX model is already built); remove it'],
    ['an unknown preset', bad((c) => (c.models[0].preset = 'imagenett')), 'study.yaml: models[0].preset: "imagenett" must be one of imagenet-dino, mae, mocov3, torchvision, clip, timm-augreg, beit, imagenet, inception (did you mean "imagenet"?)'],
    ['an unknown builder family', bad((c) => ((c.models[1] as Record<string, unknown>).builder = { family: 'dinov3', heads: 6 })), 'study.yaml: models[1].builder.family: "dinov3" must be one of timm, dino, mocov3, mae, beit, clip, dinov2, hf-vit, hf-deit, hf-dinov2, hf-clip, hf-beit, hf-vitmae (did you mean "dinov2"?)'],
    ['an unknown builder preset', bad((c) => ((c.models[1] as Record<string, unknown>).builder = { preset: 'vit_tiny', depth: 2 })), `study.yaml: models[1].builder.preset: "vit_tiny" must be one of ${Object.keys(vitPresets).join(', ')}`],
    ['a builder checkpoint key that is not text', bad((c) => ((c.models[1] as Record<string, unknown>).builder = { checkpointKey: 1 })), 'study.yaml: models[1].builder.checkpointKey: 1 must be a string (e.g. teacher, student)'],
    ['a reader option of another reader', bad((c) => ((c.datasets[1] as Record<string, unknown>).options = { perClass: 3 })), 'study.yaml: datasets[1].options: unknown field "perClass"; this takes no fields'],
    ['a bad reader option value', bad((c) => c.datasets.push({ name: 'in50', reader: 'imagenet50', root: 'x', options: { perClass: -2 } } as never)), 'study.yaml: datasets[2].options.perClass: -2 must be a whole number ≥ 1'],
    ['a revisited split that is not a dataset', bad((c) => c.datasets.push({ name: 'ox', reader: 'revisited', root: 'x', split: 'oxford' } as never)), 'study.yaml: datasets[2].split: "oxford" must be roxford5k or rparis6k (the revisited dataset to read)'],
    ['a report field of the wrong type', bad((c) => (c.report = { enabled: 'yes' })), 'study.yaml: report.enabled: "yes" must be true or false'],
    ['a list instead of an object', [1, 2], 'study.yaml: must hold an object with models, datasets and analyses; got a list'],
    ['nothing', null, 'study.yaml: must hold an object with models, datasets and analyses; got null'],
  ];
  it.each(cases)('refuses %s in one line', (_what, value, expected) => {
    expect(messageOf(value)).toBe(expected);
  });

  it('refuses an unknown analysis field, naming the fields the analysis takes', () => {
    const allowed = Object.keys(analysisConfig.options.find((o) => o.shape.type.value === 'attention')!.shape).join(', ');
    expect(messageOf(bad((c) => ((c.analyses[0] as Record<string, unknown>).dataste = 'x')))).toBe(
      `study.yaml: analyses[0]: unknown field "dataste" for an attention analysis (did you mean "dataset"?); allowed: ${allowed}`,
    );
    expect(allowed.startsWith('dataset, layers, models, type')).toBe(true);
  });

  it('counts the further problems and names the file as given', () => {
    const m = messageOf(bad((c) => Object.assign(c, { batchSize: 0, seed: 'x', device: 'tpu' })), 'cfg/study.json');
    expect(m).toBe('cfg/study.json: seed: "x" must be a whole number (and 2 more problems)');
  });

  it('names a missing builder preset and suggests the closest', () => {
    expect(messageOf(bad((c) => (c.models[1].builder = 'vit_small_patch16_22')))).toMatch(/^study\.yaml: models\[1\]\.builder: "vit_small_patch16_22" must be a preset \(.*\), a checkpoint family \(timm, dino, .*\), a \.json ViT config file or a config object \(did you mean "vit_small_patch16_224"\?\)$/);
  });

  it('refuses two entries that fill the same result slot of one model', () => {
    const twice = bad((c) => c.analyses.push({ type: 'saliency', dataset: 'sample' } as never));
    expect(messageOf(twice)).toBe(
      'study.yaml: analyses[4]: a second saliency analysis for model "fs" (the first is analyses[1]); the results hold one per model: keep one, or split the models between them with "models"',
    );
    // split between the models, or clustering of two feature kinds: accepted
    const split = bad((c) => c.analyses.push({ type: 'saliency', dataset: 'sample', models: ['dino'] } as never));
    expect(() => parseStudyConfig(split, { file: 'study.yaml' })).not.toThrow();
    const kinds = bad((c) => c.analyses.push({ type: 'clustering', dataset: 'sample' } as never, { type: 'clustering', dataset: 'coco', features: 'object' } as never));
    expect(() => parseStudyConfig(kinds, { file: 'study.yaml' })).not.toThrow();
  });

  it('checks a k-NN train dataset name', () => {
    const c = good() as Cfg;
    const knn = c.analyses[3] as Record<string, unknown>;
    knn.train = 'imnet-train';
    // the knn schema may or may not declare `train` yet: either way the line names the field
    expect(messageOf(c)).toMatch(/^study\.yaml: analyses\[3\]: unknown field "train"|^study\.yaml: analyses\[3\]\.train: "imnet-train" is not a dataset of this config \(have: sample, coco\)$/);
  });
});
