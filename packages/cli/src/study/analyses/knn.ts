import { z } from 'zod';
import { analysisBase } from './common.js';

/** The `knn` entry of a study config's `analyses` (options grow with the analysis). */
export const knnConfig = analysisBase.extend({ type: z.literal('knn') });
export type KnnConfig = z.infer<typeof knnConfig>;
