// The config reader and the dataset and model openers of `vit study` (study-config's files).
import { parseStudyConfig } from './config.js';
import { loadStudyConfig } from './loadConfig.js';
import type { StudyOpeners } from './openers.js';
import { openDataset } from './openDataset.js';
import { openModel } from './openModel.js';

/** The config reader and dataset/model openers of `vit study`. */
export const defaultOpeners: StudyOpeners = {
  loadConfig: loadStudyConfig,
  parseConfig: (value, file) => parseStudyConfig(value, { file }),
  openDataset,
  openModel,
};
