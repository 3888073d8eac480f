// TEMPORARY until study-config's loadConfig.ts / openDataset.ts / openModel.ts land on main.
import { VitValueError } from '@vit/io';
import type { StudyOpeners } from './openers.js';

const missing = (): never => {
  throw new VitValueError('vit study: the config reader is not wired yet (study-config pending).');
};

/** The config reader and dataset/model openers of `vit study`. */
export const defaultOpeners: StudyOpeners = {
  loadConfig: async () => missing(),
  parseConfig: () => missing(),
  openDataset: async () => missing(),
  openModel: async () => missing(),
};
