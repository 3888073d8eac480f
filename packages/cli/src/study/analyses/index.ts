// The registry of analysis families: `analyses[].type` → its StudyAnalysis (the engine drives them).
import type { StudyAnalysis } from '../types.js';
import { attentionAnalysis } from './attention.js';
import { saliencyAnalysis } from './saliency.js';
import { ckaAnalysis } from './cka.js';

/** Every analysis family of `vit study`, by `analyses[].type`. */
export const ANALYSES: Record<string, StudyAnalysis> = {
  attention: attentionAnalysis,
  saliency: saliencyAnalysis,
  cka: ckaAnalysis,
};
