import { z } from 'zod';
import { analysisBase } from './common.js';

/** The `clustering` entry of a study config's `analyses` (options grow with the analysis). */
export const clusteringConfig = analysisBase.extend({ type: z.literal('clustering') });
export type ClusteringConfig = z.infer<typeof clusteringConfig>;
