import { z } from 'zod';
import { analysisBase } from './common.js';

/** The `saliency` entry of a study config's `analyses` (options grow with the analysis). */
export const saliencyConfig = analysisBase.extend({ type: z.literal('saliency') });
export type SaliencyConfig = z.infer<typeof saliencyConfig>;
