// The planner of `vit study`: one pass per (model, dataset) that at least one analysis needs,
// streaming the union of the analyses' taps and layers once.
import { createHash } from 'node:crypto';
import { VitValueError } from '@vit/io';
import { TAP_NAMES, type TapName } from '@vit/runtime';
import type { AnalysisConfig, StudyConfig } from './config.js';
import type { Shard } from './shard.js';
import type { OpenDataset, OpenModel, StudyAnalysis } from './types.js';

/** One analysis entry of a pass. */
export interface PassEntry {
  /** Position of the entry in the config's `analyses`. */
  readonly index: number;
  readonly config: AnalysisConfig;
  readonly analysis: StudyAnalysis;
}

/** One pass: a model over a dataset, feeding every analysis of that dataset at once. */
export interface PassPlan {
  readonly model: OpenModel;
  readonly dataset: OpenDataset;
  /** Analyses fed by the pass, in config order. */
  readonly entries: readonly PassEntry[];
  /** Union of the entries' taps, in the runtime's tap order. */
  readonly taps: TapName[];
  /** Token taps every entry needing them reads only the CLS token of (captured `[B,1,D]`). */
  readonly tokens: Partial<Record<TapName, 'cls'>>;
  /** Union of the entries' 1-based layers (ascending); `undefined` = every layer. */
  readonly layers?: number[];
  /** `model × dataset`, for messages and timings. */
  readonly label: string;
}

/** The analysis of `analyses[index]`. @throws VitValueError when this build has none of that type. */
export function analysisOf(registry: Readonly<Record<string, StudyAnalysis>>, config: AnalysisConfig, index: number): StudyAnalysis {
  const analysis = registry[config.type];
  if (!analysis) {
    throw new VitValueError(
      `analyses[${index}].type: "${config.type}" has no implementation in this version of vit (available: ${Object.keys(registry).sort().join(', ') || 'none'}).`,
      { code: 'VIT_VALUE' },
    );
  }
  return analysis;
}

/** The datasets whose passes feed an entry (`config.dataset` first; k-NN's `train` too). */
export function entryDatasets(analysis: StudyAnalysis, config: AnalysisConfig): string[] {
  return analysis.datasets?.(config) ?? [config.dataset];
}

/**
 * Plan a study: for each model (config order) and dataset (config order), the analyses that run
 * on that dataset for that model (an entry joins the passes of every dataset of its
 * `datasets(config)`, e.g. k-NN's test and train sets), and the union of what they need.
 * @param study the validated config.
 * @param models every opened model the analyses name (by name).
 * @param datasets every opened dataset the analyses name (by name).
 * @param registry the analyses by `type`.
 * @returns the passes, in run order.
 * @throws VitValueError for an analysis type that has no implementation, or a model/dataset that was not opened.
 */
export function planStudy(
  study: StudyConfig,
  models: ReadonlyMap<string, OpenModel>,
  datasets: ReadonlyMap<string, OpenDataset>,
  registry: Readonly<Record<string, StudyAnalysis>>,
): PassPlan[] {
  const passes: PassPlan[] = [];
  for (const mc of study.models) {
    const model = models.get(mc.name);
    for (const dc of study.datasets) {
      const entries: PassEntry[] = [];
      study.analyses.forEach((config, index) => {
        const analysis = analysisOf(registry, config, index);
        if (!entryDatasets(analysis, config).includes(dc.name)) return;
        if (config.models && !config.models.includes(mc.name)) return;
        entries.push({ index, config, analysis });
      });
      if (!entries.length) continue;
      const dataset = datasets.get(dc.name);
      if (!model) throw new VitValueError(`model "${mc.name}" was not opened.`);
      if (!dataset) throw new VitValueError(`dataset "${dc.name}" was not opened.`);
      const taps = new Set<TapName>();
      const whole = new Set<TapName>(['attention']); // taps some entry reads beyond the CLS token
      let layers: Set<number> | undefined = new Set();
      for (const e of entries) {
        const needs = e.analysis.needs(model, e.config);
        for (const t of needs.taps) {
          taps.add(t);
          if (!needs.clsOnly) whole.add(t);
        }
        if (!needs.layers) layers = undefined;
        else if (layers) for (const l of needs.layers) layers.add(l < 0 ? model.layers + 1 + l : l);
      }
      if (!taps.size) taps.add('attention');
      passes.push({
        model,
        dataset,
        entries,
        taps: TAP_NAMES.filter((t) => taps.has(t)),
        // A model without a CLS token keeps its taps whole: the analyses then say what is wrong.
        tokens: model.prefix < 1 ? {} : Object.fromEntries(TAP_NAMES.filter((t) => taps.has(t) && !whole.has(t)).map((t) => [t, 'cls'])),
        layers: layers && layers.size ? [...layers].sort((a, b) => a - b) : undefined,
        label: `${model.name} × ${dataset.name}`,
      });
    }
  }
  return passes;
}

/**
 * The fingerprint of a pass (or a shard of it): sha256 over everything its states depend on —
 * the model's hash and preset, the dataset's config and items, the pass's analysis configs,
 * taps and layers, batch size, seed, the shard and the tool's version. A checkpoint whose
 * fingerprint differs is stale and the pass starts again.
 * @param pass the pass.
 * @param study the config.
 * @param shard the shard the states cover.
 * @param toolVersion `@vit/cli`'s version.
 * @returns hex sha256.
 */
export function passFingerprint(pass: PassPlan, study: StudyConfig, shard: Shard, toolVersion: string): string {
  const dc = study.datasets.find((d) => d.name === pass.dataset.name);
  const items = createHash('sha256');
  for (const it of pass.dataset.items) items.update(`${it.index}\t${it.id}\t${it.label ?? ''}\n`);
  const doc = {
    tool: toolVersion,
    model: { hash: pass.model.hash, preset: pass.model.preset },
    dataset: { config: dc ?? pass.dataset.name, reader: pass.dataset.reader, items: pass.dataset.items.length, ids: items.digest('hex') },
    // `models` only says which passes an entry joins, not what it computes there
    analyses: pass.entries.map(({ config: { models: _models, ...c } }) => c),
    taps: pass.taps,
    layers: pass.layers ?? 'all',
    batchSize: study.batchSize,
    seed: study.seed,
    shard: `${shard.k}/${shard.n}`,
  };
  return createHash('sha256').update(stableJson(doc)).digest('hex');
}

/** JSON with object keys sorted, so equal values give equal text. */
export function stableJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
    .join(',')}}`;
}
