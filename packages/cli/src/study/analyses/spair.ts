import { z } from 'zod';
import { analysisBase } from './common.js';

/** The `spair` entry of a study config's `analyses` (options grow with the analysis). */
export const spairConfig = analysisBase.extend({ type: z.literal('spair') });
export type SpairConfig = z.infer<typeof spairConfig>;
