import { z } from 'zod';
import { analysisBase } from './common.js';

/** The `attention` entry of a study config's `analyses` (options grow with the analysis). */
export const attentionConfig = analysisBase.extend({ type: z.literal('attention') });
export type AttentionConfig = z.infer<typeof attentionConfig>;
