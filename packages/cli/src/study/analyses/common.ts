import { z } from 'zod';

/** Fields every `analyses[]` entry of a study config has (each analysis file extends this). */
export const analysisBase = z.object({
  /** Name of the dataset (`datasets[].name`) the analysis runs on. */
  dataset: z.string().min(1),
  /** 1-based layers to analyse; omitted = every layer. */
  layers: z.array(z.number().int().min(1)).nonempty().optional(),
  /** Names of the models to run it on; omitted = every model. */
  models: z.array(z.string().min(1)).nonempty().optional(),
});
