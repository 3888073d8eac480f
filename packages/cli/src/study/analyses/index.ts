// The registry of analysis families: `analyses[].type` → its implementation.
import type { StudyAnalysis } from '../types.js';
import { clusteringAnalysis } from './clustering.js';
import { knnAnalysis } from './knn.js';
import { retrievalAnalysis } from './retrieval.js';
import { davisAnalysis } from './davis.js';
import { spairAnalysis } from './spair.js';

/** Every analysis family the engine can run, by `type`. */
export const ANALYSES: Record<string, StudyAnalysis> = {
  clustering: clusteringAnalysis,
  knn: knnAnalysis,
  retrieval: retrievalAnalysis,
  davis: davisAnalysis,
  spair: spairAnalysis,
};
