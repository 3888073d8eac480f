// The contract between the parts of `vit study` (issue 13): the config reader, the dataset and
// model openers, the analyses and the engine (planner, passes, checkpoints, shards, merge).
// Each part lives in its own file under src/study/; they meet only through these types.
import type { NumericBackend, Tensor } from '@vit/io';
import type { DatasetDescription } from '@vit/datasets';
import type { AttentionResults, FeatureResults, ReportInput, TaskResults, ExampleImage } from '@vit/report';
import type { Capture, ModelInfo, TapName } from '@vit/runtime';
import type { StudyConfig, AnalysisConfig } from './config.js';

/** One image of a configured dataset, in the dataset's order (sharding slices this list). */
export interface StudyItem {
  /** 0-based position in the dataset's full item list (before sharding and `limit`). */
  readonly index: number;
  /** Stable id, unique within the dataset (file name, COCO image id, `video/frame`, …). */
  readonly id: string;
  /** Absolute path of the image file. */
  readonly path: string;
  /** Class label when the dataset has one (index into `OpenDataset.classes`). */
  readonly label?: number;
}

/** A configured dataset, opened: its items plus the reader's own object for annotations. */
export interface OpenDataset {
  /** The dataset's name in the config (`datasets[].name`). */
  readonly name: string;
  /** The reader that opened it: `folder`, `imagenet`, `imagenet50`, `coco`, `partImageNet`, `davis`, `spair`, `revisited`. */
  readonly reader: string;
  /** Absolute root folder. */
  readonly root: string;
  readonly split?: string;
  /** Every image the passes stream, in order (after `limit`). */
  readonly items: readonly StudyItem[];
  /** Class names when items have labels. */
  readonly classes?: readonly string[];
  /**
   * The `@vit/datasets` reader's object (e.g. the `CocoDataset`, the DAVIS videos, the SPair pairs,
   * the revisited queries) or, for `folder`, the parsed `labels.json`. Analyses that need
   * annotations (masks, keypoints, ground truth) read them from here by `StudyItem.index`.
   */
  readonly source: unknown;
  /** Counts and skip reports of the reader (shown in the provenance). */
  describe(): DatasetDescription;
}

/** A configured model, opened and inspected. */
export interface OpenModel {
  /** The model's name in the config (`models[].name`); used in file names and legends. */
  readonly name: string;
  /** Kind of supervision (`fs`, `clip`, `dino`, `mocov3`, `mae`, `beit`, `random`, …) for the findings. */
  readonly method?: string;
  /** Absolute path of the ONNX file the session runs (built into the cache from a checkpoint if needed). */
  readonly onnx: string;
  /** sha256 of the ONNX file (hex); part of every pass fingerprint. */
  readonly hash: string;
  /** Where it came from, for the provenance (`examples/zoo/fs.onnx`, `dino.pth + preset dino`). */
  readonly source: string;
  /** Preprocessing preset name of `@vit/runtime` (`preprocessPresets`). */
  readonly preset: string;
  readonly layers: number;
  readonly heads: number;
  readonly dim: number;
  /** Token grid `[gh, gw]` at the model's input size. */
  readonly grid: readonly [number, number];
  /** Prefix tokens (CLS + registers). */
  readonly prefix: number;
  readonly patch: number;
  /** Input size `[h, w]`. */
  readonly imageSize: readonly [number, number];
  /** `inspectModel`'s whole answer, handed to `ViTSession.create` so a pass does not probe the graph again. */
  readonly info?: ModelInfo;
}

/** Taps and layers an analysis needs from a pass (the planner takes the union). */
export interface TapNeeds {
  taps: TapName[];
  /** 1-based layers; omitted = every layer. */
  layers?: number[];
  /**
   * True when the analysis reads only token 0 (the CLS token) of its token taps: when every
   * analysis of a pass that needs a token tap says so, the graph outputs that tap as `[B,1,D]`
   * (ViTSession's `tokens: 'cls'`), which the analysis must accept.
   * @default false
   */
  clsOnly?: boolean;
}

/** What an analysis gets when a pass starts or is restored. */
export interface PassContext {
  readonly model: OpenModel;
  readonly dataset: OpenDataset;
  /** This analysis's entry of the config. */
  readonly config: AnalysisConfig;
  /** The whole study config (seed, batch size, …). */
  readonly study: StudyConfig;
  readonly backend: NumericBackend;
  /** A folder private to this (analysis, model, dataset, shard) for spilled arrays; it survives resume. */
  readonly scratchDir: string;
}

/**
 * The state of one analysis over one (model, dataset) pass — or over one shard of it. Built on
 * the packages' accumulators. `toJSON` may contain typed arrays and tensors: the checkpoint codec
 * stores them as binary, so they round-trip exactly.
 */
export interface AnalysisState {
  /** One batch. `items[b]` is the item of `capture.meta.indices[b]` (an index into the pass's item list). */
  update(capture: Capture, items: readonly StudyItem[]): Promise<void> | void;
  /** Absorb a later shard's state (shards are merged in shard order). */
  merge(other: AnalysisState): void;
  /** Everything needed to resume or merge: JSON plus typed arrays / tensors. */
  toJSON(): unknown;
}

/** One model's part of the report input that an analysis contributes (sections are merged shallowly). */
export interface ModelFragment {
  attention?: AttentionResults;
  features?: FeatureResults;
  tasks?: TaskResults;
  examples?: ExampleImage[];
}

/** The study-level part of the report input an analysis contributes after every model ran. */
export type StudyFragment = Pick<ReportInput, 'across' | 'baselines'>;

/** Per-model merged states of one analysis, handed to {@link StudyAnalysis.finishStudy}. */
export interface FinishedModel {
  readonly model: OpenModel;
  readonly dataset: OpenDataset;
  readonly state: AnalysisState;
}

/** One analysis family of the config (`analyses[].type`), as the engine drives it. */
export interface StudyAnalysis {
  /** `analyses[].type`, e.g. `attention`, `saliency`, `cka`, `clustering`, `knn`, `retrieval`, `davis`, `spair`. */
  readonly type: string;
  /** Taps and layers needed from `model`'s passes over `config.dataset`. */
  needs(model: OpenModel, config: AnalysisConfig): TapNeeds;
  /**
   * Datasets whose passes feed this entry, when more than `config.dataset` (k-NN with
   * `train: <dataset>`: `[test, train]`). The engine runs the entry in a pass over each (a state
   * per pass, `ctx.dataset` telling which), merges every pass's merged state into the first's in
   * this order, and calls `finishModel` once with the first dataset's context.
   * @default [config.dataset]
   */
  datasets?(config: AnalysisConfig): string[];
  /** A fresh state for a pass (or a shard of it). */
  start(ctx: PassContext): Promise<AnalysisState> | AnalysisState;
  /** The state `toJSON` wrote, back (after resume or for merging shards). */
  restore(json: unknown, ctx: PassContext): Promise<AnalysisState> | AnalysisState;
  /** The model's results from the merged state of its whole pass. */
  finishModel(state: AnalysisState, ctx: PassContext): Promise<ModelFragment>;
  /** Results across models (across-model CKA, random baselines), after every model's pass. */
  finishStudy?(models: readonly FinishedModel[], ctx: Omit<PassContext, 'model' | 'dataset' | 'scratchDir'>): Promise<StudyFragment>;
}

/** A `.npy`-able array in `results.json`'s tensors, for analyses that want to name one. */
export type NamedTensor = { name: string; tensor: Tensor };
