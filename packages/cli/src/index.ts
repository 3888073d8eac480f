export { createProgram } from './program.js';
export type { ProgramOutput } from './program.js';
export { runCli } from './runCli.js';
export { registerInspect, inspectJson } from './commands/inspect.js';
export type { InspectJson } from './commands/inspect.js';
export { registerExtract } from './commands/extract.js';
export type { ExtractManifest } from './commands/extract.js';
export { registerBuild } from './commands/build.js';
export type { BuildJson } from './commands/build.js';
export { registerReport } from './commands/report.js';
export type { ReportJson } from './commands/report.js';
export { registerInspectCheckpoint } from './commands/inspectCheckpoint.js';
export type { InspectCheckpointJson } from './commands/inspectCheckpoint.js';
export { registerStudy } from './commands/study.js';
export type { StudyJson } from './commands/study.js';
export { runStudy } from './study/runStudy.js';
export type { RunStudyOptions, StudyRunResult, StudyPassSummary } from './study/runStudy.js';
export { mergeStudy } from './study/mergeStudy.js';
export type { MergeStudyOptions, MergeStudyResult } from './study/mergeStudy.js';
export type { StudyProgressSink } from './study/progress.js';
export type { Shard } from './study/shard.js';
export type { StudyOpeners } from './study/openers.js';
export { parseStudyConfig } from './study/config.js';
export type { AnalysisConfig, DatasetConfig, ModelConfig, ParseStudyConfigOptions, StudyConfig } from './study/config.js';
export { loadStudyConfig } from './study/loadConfig.js';
export { studyInitTemplate, registerStudyInit } from './study/init.js';
export type { StudyInitJson, StudyInitTemplateOptions } from './study/init.js';
export { openDataset } from './study/openDataset.js';
export type { FolderLabels } from './study/datasets/folder.js';
export { openModel } from './study/openModel.js';
export type { OpenModelOptions } from './study/openModel.js';
export type {
  StudyItem,
  OpenDataset,
  OpenModel,
  TapNeeds,
  PassContext,
  AnalysisState,
  ModelFragment,
  StudyFragment,
  FinishedModel,
  StudyAnalysis,
  NamedTensor,
} from './study/types.js';
export { writeSlurmScript } from './study/slurm.js';
export { registerStudySlurm } from './study/registerStudySlurm.js';
export type { SlurmScripts, WriteSlurmScriptOptions } from './study/slurm.js';
