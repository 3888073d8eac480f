import { stat } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { parse, stringify } from 'yaml';
import { atomicWrite, VitIoError } from '@vit/io';
import { preprocessPresets, vitPresets } from '@vit/runtime';
import { outputOf } from '../output.js';
import { analysisConfig } from './analyses/configs.js';
import { CHECKPOINT_FAMILIES, parseStudyConfig } from './config.js';
import { describeAllowed } from './formatConfigIssue.js';

/** Options of {@link studyInitTemplate}. */
export interface StudyInitTemplateOptions {
  /**
   * The miniature zoo's folder as the config will see it (relative to the config file's folder, or absolute).
   * @default 'examples/zoo' (a config written at the repository's root)
   */
  zoo?: string;
  /** Study title. @default 'Teaching Matters in miniature' */
  title?: string;
}

/** What each analysis family computes (the comment above its entry). */
const ABOUT: Record<string, string> = {
  attention: 'CLS attention maps, average attention per head (AAAM), offsets and distance, head taxonomy, sparse-pattern score, viewer examples',
  saliency: 'IoU of the CLS-attention saliency with object masks (COCO or PartImageNet)',
  cka: 'CKA within each model (layer × layer), across models, last layer, residual stream',
  clustering: 'k-means on CLS, spatial, object-level or part-level features: purity, NMI, ARI',
  knn: 'weighted k-NN classification (k = 20, T = 0.07 by default; the sample\'s labels.json k-NN split when it has one)',
  retrieval: 'image retrieval on revisited Oxford / Paris: mAP for the Easy, Medium, Hard protocols',
  davis: 'DAVIS 2017 video object segmentation by label propagation: J&F',
  spair: 'SPair-71k keypoint correspondence: PCK',
};

/** Which dataset of the template each analysis runs on (null: commented out, no shipped data). */
const DATASET_OF: Record<string, string | null> = {
  attention: 'sample',
  saliency: 'coco',
  cka: 'sample',
  clustering: 'sample',
  knn: 'sample',
  retrieval: null,
  davis: 'davis',
  spair: 'spair',
};

type Shape = Record<string, { _zod: { def: { type: string; innerType?: unknown; entries?: Record<string, string>; values?: unknown[]; element?: unknown; checks?: { _zod: { def: Record<string, unknown> } }[] } }; isOptional?: () => boolean }>;

/** An example value for a required field of an analysis (the analyses own their schemas; whatever they require gets a valid value). */
function exampleValue(schema: Shape[string], field: string, dataset: string): unknown {
  const d = schema._zod.def;
  switch (d.type) {
    case 'enum':
      return Object.values(d.entries!)[0];
    case 'literal':
      return d.values![0];
    case 'number': {
      const min = d.checks?.map((c) => c._zod.def).find((c) => c.check === 'greater_than')?.value as number | undefined;
      return Math.max(1, Math.ceil(min ?? 1));
    }
    case 'boolean':
      return false;
    case 'string':
      return /train|dataset/i.test(field) ? dataset : 'x';
    case 'array':
      return [exampleValue(d.element as Shape[string], field, dataset)];
    default:
      return undefined;
  }
}

const flow = (v: unknown) => stringify(v, { collectionStyle: 'flow', lineWidth: 0 }).trim();

/** What a field means, where its schema alone does not say. */
const FIELD_NOTES: Record<string, string> = {
  'knn.train': ' (a datasets[].name: the training images; default the k-NN split of the dataset\'s labels.json)',
};

/** Fields every analysis entry has (documented once, above the list). */
const BASE_FIELDS = new Set(['type', 'dataset', 'layers', 'models']);

/** The entry of one analysis family: a comment with what it computes and its own fields, then the entry. */
function analysisEntry(type: string, shape: Shape): string[] {
  const dataset = DATASET_OF[type] ?? 'oxford';
  const lines = [`  # ${type}: ${ABOUT[type] ?? ''}`.trimEnd()];
  const entry: Record<string, unknown> = { type, dataset };
  for (const [field, schema] of Object.entries(shape)) {
    if (BASE_FIELDS.has(field)) continue;
    lines.push(`  #   ${field}: ${describeAllowed(schema as never)}${FIELD_NOTES[`${type}.${field}`] ?? ''}`);
    if (!(schema.isOptional?.() ?? true)) entry[field] = exampleValue(schema, field, dataset);
  }
  if (DATASET_OF[type] === null) lines.push('  #   (needs a revisited dataset: uncomment this entry and the oxford dataset above)', `  # - ${flow(entry)}`);
  else lines.push(`  - ${flow(entry)}`);
  return lines;
}

/**
 * A commented example study config in YAML: every field of the config, with what it does and what
 * it allows, every reader and every analysis family (an entry each; the analyses' own options listed
 * from their schemas), over the miniature zoo and its benchmark so that it runs as written from the
 * repository's root. It parses with `parseStudyConfig`.
 *
 * @param options see {@link StudyInitTemplateOptions}.
 * @returns the YAML text.
 * @example
 * await atomicWrite('study.yaml', studyInitTemplate());
 */
export function studyInitTemplate(options: StudyInitTemplateOptions = {}): string {
  const zoo = (options.zoo ?? 'examples/zoo').replace(/\/+$/, '');
  const title = options.title ?? 'Teaching Matters in miniature';
  const presets = Object.keys(preprocessPresets).join(', ');
  const analyses = analysisConfig.options.flatMap((o) => analysisEntry(o.shape.type.value as string, o.shape as unknown as Shape));
  return [
    '# A `vit study` config: the paper\'s study of Vision Transformers from one file.',
    '# Run it:   vit study study.yaml --out study-out     (resumable: run the same command again)',
    '# Shard it: vit study study.yaml --out study-out --shard 1/4 … then vit study merge study-out',
    '# Relative paths resolve against the folder of this file. JSON with the same fields works too.',
    '',
    `title: ${flow(title)}  # the report's title`,
    'seed: 0                # seeds every random choice (k-means, baselines, SPair draws); a whole number',
    'batchSize: 32          # images per forward pass; a whole number ≥ 1',
    'checkpointEvery: 10    # batches between checkpoints; ≥ 1',
    'checkpointSeconds: 60  # and at least this many seconds (a killed run redoes about this much work); 0 = every checkpointEvery batches',
    'device: cpu            # cpu or cuda (passed through to the ONNX Runtime sessions)',
    'report:',
    '  enabled: true        # render the HTML report after the study (vit report re-renders it)',
    '  viewerImages: 3      # images in the report\'s attention viewer; ≥ 0',
    '',
    '# Models: a name, and exactly one of onnx (an ONNX ViT) or checkpoint (built into <out>/cache/models/).',
    '#   name:       letters, digits, "_", "." and "-"; used in legends, file names and analyses[].models',
    '#   method:     kind of supervision, for the findings: fs, clip, dino, mocov3, mae, beit, random, …',
    '#   onnx:       an ONNX Vision Transformer (vit build writes one; vit inspect checks one)',
    '#   checkpoint: a .pth / .pth.tar / .pt / .bin / .safetensors file or a Hugging Face / timm / OpenCLIP folder',
    `#   builder:    with checkpoint only: a checkpoint family (${CHECKPOINT_FAMILIES.join(', ')}),`,
    `#               a preset (${Object.keys(vitPresets).join(', ')}),`,
    '#               a .json ViT config file, or a config object ({ heads: 12 }, { preset: …, depth: 6 }, { family: dino, checkpointKey: student });',
    '#               left out: family and config are read from the checkpoint',
    `#   preset:     preprocessing, one of ${presets};`,
    '#               default: the checkpoint family\'s evaluation transform, else imagenet',
    'models:',
    ...['fs', 'clip', 'dino', 'mocov3', 'mae', 'beit', 'random'].map((m) => `  - { name: ${m}, method: ${m}, onnx: ${zoo}/${m}.onnx, preset: imagenet }`),
    '  # - name: dino-b16',
    '  #   method: dino',
    '  #   checkpoint: dino_vitbase16_pretrain.pth',
    '  #   builder: dino',
    '',
    '# Datasets: a name, a reader of @vit/datasets (or a plain image folder), its root, and optionally',
    '#   split (default: the reader\'s), limit (at most this many images, the first in the reader\'s order)',
    '#   and options (the reader\'s own):',
    '#   folder        any folder of .jpg/.png (recursive, sorted); with a labels.json { files, labels, classes, knnProtocol }',
    '#                 the images are its files (from images/), labelled; split = a subfolder',
    '#   imagenet      <root>/<split>/<wnid>/*.JPEG, split val',
    '#   imagenet50    the 50 classes of ImageNet-50, split train; options: { perClass: 100 }',
    '#   coco          <root>/annotations/instances_<split>.json + <root>/<split>/, split val2017; limit default 5000',
    '#   partImageNet  <root>/<split>.json + <root>/<split>/<wnid>/, split train; options: { perSuperclass: 500 }',
    '#   davis         DAVIS 2017, split val; every frame of every video; options: { resolution: 480p }',
    '#   spair         SPair-71k, split test; the images of the drawn pairs; options: { pairsPerCategory: 20, seed: 0 }',
    '#   revisited     revisited Oxford / Paris; split roxford5k or rparis6k; options: { groundTruth: auto }',
    'datasets:',
    `  - { name: sample, reader: folder, root: ${zoo}/bench/sample, limit: 200 }`,
    `  - { name: coco, reader: coco, root: ${zoo}/bench/coco, split: val2017, limit: 50 }`,
    `  - { name: parts, reader: partImageNet, root: ${zoo}/bench/partimagenet, split: val }`,
    `  - { name: davis, reader: davis, root: ${zoo}/bench/davis }`,
    `  - { name: spair, reader: spair, root: ${zoo}/bench/spair, options: { pairsPerCategory: 5 } }`,
    '  # - { name: imnet, reader: imagenet50, root: /data/imagenet, options: { perClass: 20 } }',
    '  # - { name: oxford, reader: revisited, root: /data/revisitop, split: roxford5k }',
    '',
    '# Analyses: a type and the dataset it runs on; every model runs every analysis unless models lists some.',
    '# One pass per (model, dataset) feeds every analysis of that dataset, whatever the number of layers.',
    '# Every entry has:',
    `#   type:    one of ${analysisConfig.options.map((o) => o.shape.type.value).join(', ')}`,
    '#   dataset: the datasets[].name it runs on',
    `#   layers:  1-based layers to analyse: ${describeAllowed(analysisConfig.options[0].shape.layers as never)}; default every layer`,
    `#   models:  the models[].name to run it on: ${describeAllowed(analysisConfig.options[0].shape.models as never)}; default every model`,
    "# and its own options, listed above each entry (left out: the paper's protocol).",
    'analyses:',
    ...analyses,
    '',
  ].join('\n');
}

/** What `vit study init --json` prints. */
export interface StudyInitJson {
  /** The file written. */
  out: string;
  bytes: number;
  models: number;
  datasets: number;
  analyses: number;
}

/**
 * `vit study init [file] [--force] [--json]`: write the commented example config
 * ({@link studyInitTemplate}; `study.yaml` by default, JSON without comments for a `.json` name),
 * atomically, refusing to overwrite a file without `--force`.
 * @param study the `vit study` command.
 * @returns the `init` command.
 * @example vit study init my-study.yaml
 */
export function registerStudyInit(study: Command): Command {
  return study
    .command('init')
    .description('Write a commented example study config (every field and analysis), over the miniature zoo.')
    .argument('[file]', 'the config to write (.yaml/.yml, or .json without the comments)', 'study.yaml')
    .option('--force', 'overwrite the file when it exists')
    .option('--json', 'print exactly one JSON object')
    .action(async (file: string, opts: { force?: boolean; json?: boolean }, cmd: Command) => {
      const { out } = outputOf(cmd);
      const st = await stat(file).catch(() => undefined);
      if (st?.isDirectory()) throw new VitIoError('is a folder; name the config file to write (e.g. study.yaml).', { file, code: 'VIT_IO_WRITE' });
      if (st && !opts.force) throw new VitIoError('exists; pass --force to overwrite it, or name another file.', { file, code: 'VIT_IO_WRITE' });
      // the zoo as seen from the config's folder (the template's paths resolve against it)
      const zoo = relative(dirname(resolve(file)), resolve('examples/zoo')).split(sep).join('/') || '.';
      const yaml = studyInitTemplate({ zoo });
      const text = /\.json$/i.test(file) ? `${JSON.stringify(parse(yaml), null, 2)}\n` : yaml;
      const config = parseStudyConfig(parse(yaml) as unknown, { file });
      await atomicWrite(file, text);
      const j: StudyInitJson = { out: file, bytes: Buffer.byteLength(text), models: config.models.length, datasets: config.datasets.length, analyses: config.analyses.length };
      if (opts.json) out(`${JSON.stringify(j)}\n`);
      else out(`wrote ${file}: an example study (${j.models} models, ${j.datasets} datasets, ${j.analyses} analyses); run it with: vit study ${file} --out study-out\n`);
    });
}
