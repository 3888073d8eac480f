import { z } from 'zod';
import { attentionConfig } from './attention.js';
import { saliencyConfig } from './saliency.js';
import { ckaConfig } from './cka.js';
import { clusteringConfig } from './clustering.js';
import { knnConfig } from './knn.js';
import { retrievalConfig } from './retrieval.js';
import { davisConfig } from './davis.js';
import { spairConfig } from './spair.js';

/** One entry of a study config's `analyses`: which analysis, on which dataset, with its options. */
export const analysisConfig = z.discriminatedUnion('type', [attentionConfig, saliencyConfig, ckaConfig, clusteringConfig, knnConfig, retrievalConfig, davisConfig, spairConfig]);
export type AnalysisConfig = z.infer<typeof analysisConfig>;
