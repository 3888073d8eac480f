// The study config (study.json / study.yaml). The schema is the single source of the config's
// shape; each analysis owns the schema of its own entry (analyses/<type>.ts).
import { z } from 'zod';
import { analysisConfig } from './analyses/configs.js';

export type { AnalysisConfig } from './analyses/configs.js';

/** A model to study: an ONNX file, or a checkpoint built into one. */
export const modelConfig = z.object({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/),
  method: z.string().optional(),
  onnx: z.string().optional(),
  checkpoint: z.string().optional(),
  builder: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  preset: z.string().optional(),
});

/** A dataset in one of the on-disk layouts of @vit/datasets, or a plain image folder. */
export const datasetConfig = z.object({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/),
  reader: z.enum(['folder', 'imagenet', 'imagenet50', 'coco', 'partImageNet', 'davis', 'spair', 'revisited']),
  root: z.string().min(1),
  split: z.string().optional(),
  limit: z.number().int().min(1).optional(),
  options: z.record(z.string(), z.unknown()).optional(),
});

export const studyConfig = z.object({
  title: z.string().optional(),
  seed: z.number().int().default(0),
  batchSize: z.number().int().min(1).default(32),
  device: z.enum(['cpu', 'cuda']).default('cpu'),
  checkpointEvery: z.number().int().min(1).default(10),
  models: z.array(modelConfig).nonempty(),
  datasets: z.array(datasetConfig).nonempty(),
  analyses: z.array(analysisConfig).nonempty(),
  report: z.object({ enabled: z.boolean().default(true), viewerImages: z.number().int().min(0).default(3) }).prefault({}),
});
export type ModelConfig = z.infer<typeof modelConfig>;
export type DatasetConfig = z.infer<typeof datasetConfig>;
export type StudyConfig = z.infer<typeof studyConfig>;
