import { z } from 'zod';
import { analysisBase } from './common.js';

/** The `retrieval` entry of a study config's `analyses` (options grow with the analysis). */
export const retrievalConfig = analysisBase.extend({ type: z.literal('retrieval') });
export type RetrievalConfig = z.infer<typeof retrievalConfig>;
