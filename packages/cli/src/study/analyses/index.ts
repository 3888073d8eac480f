// The analyses `vit study` can run, by `analyses[].type`. Each analysis file adds its line here.
import type { StudyAnalysis } from '../types.js';

/** Every analysis family of a study config, by its `type`. */
export const ANALYSES: Record<string, StudyAnalysis> = {};
