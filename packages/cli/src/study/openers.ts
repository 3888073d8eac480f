// How the engine reads a config and opens datasets and models (study-config's loadConfig.ts,
// openDataset.ts and openModel.ts); injectable so that tests can open tiny ones directly.
import type { DatasetConfig, ModelConfig, StudyConfig } from './config.js';
import type { OpenDataset, OpenModel } from './types.js';

/** The config reader and the dataset and model openers the engine uses. */
export interface StudyOpeners {
  /** Read and validate a study config file (JSON or YAML), paths resolved. */
  loadConfig(path: string): Promise<StudyConfig>;
  /** Validate a config object (e.g. `DIR/study.config.json`, whose paths are absolute). */
  parseConfig(value: unknown, file: string): StudyConfig;
  openDataset(config: DatasetConfig): Promise<OpenDataset>;
  /** Open (or build into `cacheDir`) and inspect a model. */
  openModel(config: ModelConfig, options: { cacheDir: string }): Promise<OpenModel>;
}
