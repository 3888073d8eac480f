import { z } from 'zod';
import { analysisBase } from './common.js';

/** The `cka` entry of a study config's `analyses` (options grow with the analysis). */
export const ckaConfig = analysisBase.extend({ type: z.literal('cka') });
export type CkaConfig = z.infer<typeof ckaConfig>;
