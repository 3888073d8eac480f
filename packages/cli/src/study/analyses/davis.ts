import { z } from 'zod';
import { analysisBase } from './common.js';

/** The `davis` entry of a study config's `analyses` (options grow with the analysis). */
export const davisConfig = analysisBase.extend({ type: z.literal('davis') });
export type DavisConfig = z.infer<typeof davisConfig>;
