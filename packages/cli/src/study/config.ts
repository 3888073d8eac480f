// The study config (study.json / study.yaml). The schema is the single source of the config's
// shape; each analysis owns the schema of its own entry (analyses/<type>.ts).
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { VitValueError } from '@vit/io';
import { preprocessPresets, vitPresets } from '@vit/runtime';
import { analysisConfig } from './analyses/configs.js';
import { closest, formatConfigIssue, valueText, type ConfigIssue } from './formatConfigIssue.js';

export type { AnalysisConfig } from './analyses/configs.js';

const NAME = /^[A-Za-z0-9_.-]+$/;
const name = () => z.string().regex(NAME).describe('a name of letters, digits, "_", "." and "-"');

/** Checkpoint naming schemes of `loadCheckpoint` (`@vit/runtime`), accepted as `builder`. */
export const CHECKPOINT_FAMILIES = ['timm', 'dino', 'mocov3', 'mae', 'beit', 'clip', 'dinov2', 'hf-vit', 'hf-deit', 'hf-dinov2', 'hf-clip', 'hf-beit', 'hf-vitmae'] as const;

/** A model to study: an ONNX file, or a checkpoint built into one. */
export const modelConfig = z.strictObject({
  /** Name in legends, file names and `analyses[].models`. */
  name: name(),
  /** Kind of supervision (`fs`, `clip`, `dino`, `mocov3`, `mae`, `beit`, `random`, …) for the findings. */
  method: z.string().min(1).optional(),
  /** An ONNX ViT (relative to the config file). */
  onnx: z.string().min(1).optional(),
  /** A checkpoint file or Hugging Face / timm / OpenCLIP folder, built into an ONNX ViT in the cache. */
  checkpoint: z.string().min(1).optional(),
  /**
   * With `checkpoint`: a preset of `vitPresets`, a checkpoint family (read the checkpoint as it;
   * config inferred), a `.json` ViT config file, or a ViT config object (`{ imageSize, patchSize, … }`,
   * `{ preset, …overrides }`, `{ config, preprocessing }`, optionally with `family` / `checkpointKey`).
   * Omitted: family and config read from the checkpoint.
   */
  builder: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
  /** Preprocessing preset of `preprocessPresets` (`@vit/runtime`). @default the checkpoint family's, else `imagenet` */
  preset: z.string().min(1).optional(),
});

/** Options each reader takes in `datasets[].options` (besides `split` and `limit`). */
export const datasetReaderOptions = {
  folder: z.strictObject({}),
  imagenet: z.strictObject({}),
  imagenet50: z.strictObject({ perClass: z.number().int().min(1).optional() }),
  coco: z.strictObject({}),
  partImageNet: z.strictObject({ perSuperclass: z.number().int().min(1).optional() }),
  davis: z.strictObject({ resolution: z.string().min(1).optional() }),
  spair: z.strictObject({ pairsPerCategory: z.number().int().min(1).optional(), seed: z.number().int().optional() }),
  revisited: z.strictObject({ groundTruth: z.enum(['auto', 'pickle', 'json']).optional() }),
} as const;

/** A dataset in one of the on-disk layouts of @vit/datasets, or a plain image folder. */
export const datasetConfig = z.strictObject({
  name: name(),
  reader: z.enum(['folder', 'imagenet', 'imagenet50', 'coco', 'partImageNet', 'davis', 'spair', 'revisited']),
  /** The dataset's root folder (relative to the config file). */
  root: z.string().min(1),
  /** The reader's split (`val`, `val2017`, …; for `revisited`: `roxford5k` or `rparis6k`). @default the reader's */
  split: z.string().min(1).optional(),
  /** At most this many images (the first ones in the reader's order). */
  limit: z.number().int().min(1).optional(),
  /** Reader options (see `datasetReaderOptions`). */
  options: z.record(z.string(), z.unknown()).optional(),
});

export const studyConfig = z.strictObject({
  title: z.string().optional(),
  seed: z.number().int().default(0),
  batchSize: z.number().int().min(1).default(32),
  device: z.enum(['cpu', 'cuda']).default('cpu'),
  checkpointEvery: z.number().int().min(1).default(10),
  /**
   * And at least this many seconds since the pass's previous checkpoint (0: every
   * `checkpointEvery` batches exactly). A checkpoint holds every state (clustering features grow
   * with the dataset), so a time bound keeps its cost a small share of any pass; a killed run redoes
   * at most about this much work.
   */
  checkpointSeconds: z.number().min(0).default(60),
  models: z.array(modelConfig).nonempty(),
  datasets: z.array(datasetConfig).nonempty(),
  analyses: z.array(analysisConfig).nonempty(),
  report: z.strictObject({ enabled: z.boolean().default(true), viewerImages: z.number().int().min(0).default(3) }).prefault({}),
});
export type ModelConfig = z.infer<typeof modelConfig>;
export type DatasetConfig = z.infer<typeof datasetConfig>;
export type StudyConfig = z.infer<typeof studyConfig>;

/** Options of {@link parseStudyConfig}. */
export interface ParseStudyConfigOptions {
  /**
   * The config's file: named in error messages, and its folder is where relative paths resolve.
   * @default undefined (messages say `study config`; paths resolve against the working directory)
   */
  file?: string;
}

/**
 * Validate a study config (the parsed JSON or YAML) and fill in its defaults: every field checked
 * by the schema, then across fields — unique model and dataset names, every `analyses[].dataset`
 * (and a k-NN `train`) naming a dataset, `analyses[].models` naming models, a model with exactly
 * one of `onnx` / `checkpoint`, `builder` only with `checkpoint`, `preset` a preprocessing preset,
 * reader options the reader takes, no unknown field anywhere. Relative paths (`onnx`,
 * `checkpoint`, a `.json` `builder`, `root`) are resolved against the config file's folder.
 *
 * @param value the parsed config.
 * @param options see {@link ParseStudyConfigOptions}.
 * @returns the typed config with defaults and absolute paths.
 * @throws VitValueError `VIT_STUDY_CONFIG`, one line naming the file, the field, the value and what
 *   is allowed (e.g. `study.yaml: analyses[3].dataset: "cocoo" is not a dataset of this config (have: sample, coco)`).
 * @example
 * const config = parseStudyConfig(JSON.parse(text), { file: 'study.json' });
 */
export function parseStudyConfig(value: unknown, options: ParseStudyConfigOptions = {}): StudyConfig {
  const where = options.file ?? 'study config';
  const fail = (problems: string[]): never => {
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
    throw new VitValueError(`${where}: ${problems[0]}${more}`, { code: 'VIT_STUDY_CONFIG' });
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail([`must hold an object with models, datasets and analyses; got ${Array.isArray(value) ? 'a list' : valueText(value)}`]);
  }
  const parsed = studyConfig.safeParse(value);
  if (!parsed.success) fail(parsed.error.issues.map((i) => formatConfigIssue(i as unknown as ConfigIssue, studyConfig, value)));
  const config = parsed.data as StudyConfig;
  const problems = crossCheck(config, value as Record<string, unknown>);
  if (problems.length) fail(problems);
  const base = options.file === undefined ? process.cwd() : dirname(resolve(options.file));
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  return {
    ...config,
    models: config.models.map((m) => ({
      ...m,
      ...(m.onnx !== undefined ? { onnx: abs(m.onnx) } : {}),
      ...(m.checkpoint !== undefined ? { checkpoint: abs(m.checkpoint) } : {}),
      ...(typeof m.builder === 'string' && /\.json$/i.test(m.builder) ? { builder: abs(m.builder) } : {}),
    })) as StudyConfig['models'],
    datasets: config.datasets.map((d) => ({ ...d, root: abs(d.root) })) as StudyConfig['datasets'],
  };
}

/** The checks across fields, in config order; each a message without the file prefix. */
function crossCheck(config: StudyConfig, raw: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const unique = (list: readonly { name: string }[], key: string) => {
    const seen = new Map<string, number>();
    list.forEach((x, i) => {
      const first = seen.get(x.name);
      if (first !== undefined) problems.push(`${key}[${i}].name: ${JSON.stringify(x.name)} is already the name of ${key}[${first}]; names must be unique`);
      else seen.set(x.name, i);
    });
  };
  unique(config.models, 'models');
  unique(config.datasets, 'datasets');
  const presets = Object.keys(preprocessPresets);
  const families: readonly string[] = CHECKPOINT_FAMILIES;
  config.models.forEach((m, i) => {
    const at = `models[${i}]`;
    if (m.onnx === undefined && m.checkpoint === undefined) problems.push(`${at}: needs "onnx" (an ONNX file) or "checkpoint" (a checkpoint to build); it has neither`);
    if (m.onnx !== undefined && m.checkpoint !== undefined) problems.push(`${at}: has both "onnx" and "checkpoint"; give exactly one`);
    if (m.builder !== undefined && m.checkpoint === undefined) problems.push(`${at}.builder: applies only with "checkpoint" (an ONNX model is already built); remove it`);
    if (typeof m.builder === 'string' && !/\.json$/i.test(m.builder) && !Object.hasOwn(vitPresets, m.builder) && !families.includes(m.builder)) {
      const hint = closest(m.builder, [...Object.keys(vitPresets), ...families]);
      problems.push(
        `${at}.builder: ${JSON.stringify(m.builder)} must be a preset (${Object.keys(vitPresets).join(', ')}), a checkpoint family (${families.join(', ')}), a .json ViT config file or a config object${hint ? ` (did you mean "${hint}"?)` : ''}`,
      );
    }
    if (m.builder !== undefined && typeof m.builder === 'object') {
      const b = m.builder as Record<string, unknown>;
      if (b.family !== undefined && !families.includes(b.family as string)) {
        const hint = typeof b.family === 'string' ? closest(b.family, families) : undefined;
        problems.push(`${at}.builder.family: ${valueText(b.family)} must be one of ${families.join(', ')}${hint ? ` (did you mean "${hint}"?)` : ''}`);
      }
      if (b.preset !== undefined && (typeof b.preset !== 'string' || !Object.hasOwn(vitPresets, b.preset))) {
        const hint = typeof b.preset === 'string' ? closest(b.preset, Object.keys(vitPresets)) : undefined;
        problems.push(`${at}.builder.preset: ${valueText(b.preset)} must be one of ${Object.keys(vitPresets).join(', ')}${hint ? ` (did you mean "${hint}"?)` : ''}`);
      }
      if (b.checkpointKey !== undefined && typeof b.checkpointKey !== 'string') problems.push(`${at}.builder.checkpointKey: ${valueText(b.checkpointKey)} must be a string (e.g. teacher, student)`);
    }
    if (m.preset !== undefined && !presets.includes(m.preset)) {
      const hint = closest(m.preset, presets);
      problems.push(`${at}.preset: ${JSON.stringify(m.preset)} must be one of ${presets.join(', ')}${hint ? ` (did you mean "${hint}"?)` : ''}`);
    }
  });
  config.datasets.forEach((d, i) => {
    const schema = datasetReaderOptions[d.reader];
    const r = schema.safeParse(d.options ?? {});
    if (!r.success) {
      for (const issue of r.error.issues) problems.push(formatConfigIssue(issue as unknown as ConfigIssue, schema, d.options ?? {}, ['datasets', i, 'options']));
    }
    if (d.reader === 'revisited' && d.split !== undefined && d.split !== 'roxford5k' && d.split !== 'rparis6k') {
      problems.push(`datasets[${i}].split: ${JSON.stringify(d.split)} must be roxford5k or rparis6k (the revisited dataset to read)`);
    }
  });
  const datasets = config.datasets.map((d) => d.name);
  const models = config.models.map((m) => m.name);
  const rawAnalyses = raw.analyses as Record<string, unknown>[];
  config.analyses.forEach((a, i) => {
    const at = `analyses[${i}]`;
    const known = (n: string, have: string[], field: string, what: string) => {
      if (have.includes(n)) return;
      const hint = closest(n, have);
      problems.push(`${field}: ${JSON.stringify(n)} is not ${what} of this config (have: ${have.join(', ')})${hint ? `; did you mean "${hint}"?` : ''}`);
    };
    known(a.dataset, datasets, `${at}.dataset`, 'a dataset');
    const train = (a as Record<string, unknown>).train;
    if (typeof train === 'string') known(train, datasets, `${at}.train`, 'a dataset');
    a.models?.forEach((m, j) => known(m, models, `${at}.models[${j}]`, 'a model'));
    // the analyses' schemas strip unknown fields; a typo must not pass silently
    const option = analysisConfig.options.find((o) => (o as { shape?: { type?: { value?: unknown } } }).shape?.type?.value === a.type);
    const allowed = option ? Object.keys(option.shape) : [];
    const extra = option ? Object.keys(rawAnalyses[i] ?? {}).filter((k) => !allowed.includes(k)) : [];
    if (extra.length) {
      const hint = extra.length === 1 ? closest(extra[0], allowed) : undefined;
      problems.push(`${at}: unknown field${extra.length > 1 ? 's' : ''} ${extra.map((k) => JSON.stringify(k)).join(', ')} for ${/^[aeiou]/.test(a.type) ? 'an' : 'a'} ${a.type} analysis${hint ? ` (did you mean "${hint}"?)` : ''}; allowed: ${allowed.join(', ')}`);
    }
  });
  // The report has one slot per (analysis type, clustering feature kind) and model: a second
  // entry filling the same slot would silently mix or overwrite the first one's numbers.
  const slots = new Map<string, number>();
  config.analyses.forEach((a, i) => {
    const kind = a.type === 'clustering' ? `clustering (features: ${(a as { features?: string }).features ?? 'cls'})` : a.type;
    for (const m of new Set(a.models ?? models)) {
      const first = slots.get(`${kind}\u0000${m}`);
      if (first !== undefined) {
        problems.push(`analyses[${i}]: a second ${kind} analysis for model ${JSON.stringify(m)} (the first is analyses[${first}]); the results hold one per model: keep one, or split the models between them with "models"`);
        return;
      }
      slots.set(`${kind}\u0000${m}`, i);
    }
  });
  return problems;
}
