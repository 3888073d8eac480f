// Open what a study config uses and plan its passes (shared by a run and `vit study merge`).
import { join } from 'node:path';
import type { StudyConfig } from './config.js';
import type { StudyOpeners } from './openers.js';
import { analysisOf, entryDatasets, planStudy, type PassPlan } from './plan.js';
import type { OpenDataset, OpenModel, StudyAnalysis } from './types.js';

/** A config's opened models and datasets and its passes. */
export interface OpenedStudy {
  /** Models some analysis runs on, in config order. */
  models: OpenModel[];
  datasets: Map<string, OpenDataset>;
  passes: PassPlan[];
}

/**
 * Open every dataset and model an analysis uses (datasets first: a missing root fails before any
 * model is built) and plan the passes.
 * @param study the validated config (absolute paths).
 * @param out the output folder (checkpoint-built models go to `out/cache/models`: openModel's cacheDir is `out/cache`).
 * @param openers the dataset and model openers.
 * @param registry the analyses by type.
 * @returns the opened study.
 */
export async function openStudy(study: StudyConfig, out: string, openers: StudyOpeners, registry: Readonly<Record<string, StudyAnalysis>>): Promise<OpenedStudy> {
  const usedModels = new Set<string>();
  const usedDatasets = new Set<string>();
  study.analyses.forEach((a, index) => {
    for (const d of entryDatasets(analysisOf(registry, a, index), a)) usedDatasets.add(d);
    for (const m of a.models ?? study.models.map((x) => x.name)) usedModels.add(m);
  });
  const datasets = new Map<string, OpenDataset>();
  for (const dc of study.datasets) if (usedDatasets.has(dc.name)) datasets.set(dc.name, await openers.openDataset(dc));
  const models: OpenModel[] = [];
  for (const mc of study.models) if (usedModels.has(mc.name)) models.push(await openers.openModel(mc, { cacheDir: join(out, 'cache') }));
  const passes = planStudy(study, new Map(models.map((m) => [m.name, m])), datasets, registry);
  return { models, datasets, passes };
}
