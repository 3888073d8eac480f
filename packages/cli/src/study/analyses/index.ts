// The registry of analysis families: `analyses[].type` → its StudyAnalysis (the engine drives them).
import type { StudyAnalysis } from '../types.js';
import { attentionAnalysis } from './attention.js';
import { saliencyAnalysis } from './saliency.js';
import { ckaAnalysis } from './cka.js';
import { clusteringAnalysis } from './clustering.js';
import { knnAnalysis } from './knn.js';
import { retrievalAnalysis } from './retrieval.js';
import { davisAnalysis } from './davis.js';
import { spairAnalysis } from './spair.js';

/** Every analysis family of `vit study`, by `analyses[].type`. */
export const ANALYSES: Record<string, StudyAnalysis> = {
  attention: attentionAnalysis,
  saliency: saliencyAnalysis,
  cka: ckaAnalysis,
  clustering: clusteringAnalysis,
  knn: knnAnalysis,
  retrieval: retrievalAnalysis,
  davis: davisAnalysis,
  spair: spairAnalysis,
};
