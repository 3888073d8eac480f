import type { Tensor } from '@vit/io';

/**
 * A per-layer series: one value per selected layer. `layers` lists the 1-based layers the
 * values belong to (ascending); omitted = every layer `1..L` of the model.
 */
export interface LayerSeries {
  /** 1-based layers of the entries of `values`. @default 1..L */
  layers?: number[];
  /** `[L']` values, entry `i` for layer `layers[i]`. NaN = not computed for that layer. */
  values: Tensor;
}

/** Clustering scores of one feature kind per layer (SPEC 10–11). */
export interface ClusteringScores {
  /** 1-based layers. @default 1..L */
  layers?: number[];
  /** `[L']` purity. */
  purity: Tensor;
  /** `[L']` NMI (arithmetic normalisation). */
  nmi?: Tensor;
  /** `[L']` ARI. */
  ari?: Tensor;
  /** Number of clusters used. */
  k?: number;
}

/** Attention analyses of one model (`@vit/attention`, SPEC 1–7); each part optional. */
export interface AttentionResults {
  /** Average CLS maps `[L,H,gh,gw]` (SPEC 1). */
  clsMaps?: Tensor;
  /** AAAM `[L,H,2gh−1,2gw−1]` (SPEC 2). */
  aaam?: Tensor;
  /**
   * Attention offset per layer and head (SPEC 3): the AAAM's centre of mass relative to the
   * query, in tokens (`dx` right, `dy` down), its length `offset`, and `offsetNormalized` =
   * `offset / (g − 1)` as the reference code reports it; each `[L,H]` (`attentionOffset` of `@vit/attention`).
   */
  offsets?: { dx: Tensor; dy: Tensor; offset: Tensor; offsetNormalized: Tensor };
  /** Average attention distance per layer and head `[L,H]` (SPEC 4); the layer value is the mean over heads. */
  distance?: Tensor;
  /** Saliency IoU per layer (SPEC 5): `oracle` `[L]` is the paper's figure; `fixed`, `merged` `[L]`, `perHead` `[L,H]` optional. */
  saliency?: { layers?: number[]; oracle: Tensor; fixed?: Tensor; merged?: Tensor; perHead?: Tensor };
  /**
   * Head taxonomy (SPEC 6): `index` `[L,H]` holds for each head an index into `classes`
   * (e.g. `['strict-local','soft-local','axial-local','offset-local','global','mixed']`);
   * `offset` `[L,H,2]` the `(dx,dy)` of offset-local heads (NaN elsewhere).
   */
  taxonomy?: { classes: string[]; index: Tensor; offset?: Tensor };
  /** Sparse repeating pattern score per layer and head `[L,H]` (SPEC 7): in [0,1], high = a few cells shared across heads. */
  sparsePattern?: Tensor;
}

/** Feature analyses of one model (`@vit/features`, SPEC 8–12). */
export interface FeatureResults {
  /** Layer × layer CKA within the model `[L,L]` (SPEC 8). */
  cka?: Tensor;
  /** Residual CKA (SPEC 8): skip input vs branch output of each attention and MLP sub-block, `[L]` each. */
  residualCKA?: { layers?: number[]; attention: Tensor; mlp: Tensor };
  /** Clustering scores per feature kind (SPEC 10–11). */
  clustering?: { cls?: ClusteringScores; spatial?: ClusteringScores; object?: ClusteringScores; part?: ClusteringScores };
}

/** Downstream tasks of one model (`@vit/tasks`, SPEC 14–17); every series per layer. */
export interface TaskResults {
  /** k-NN top-1 accuracy in [0,1] (SPEC 14); `top5` optional. */
  knn?: { layers?: number[]; top1: Tensor; top5?: Tensor; k?: number; dataset?: string };
  /** Retrieval mAP in [0,1] per protocol (SPEC 15). */
  retrieval?: { layers?: number[]; easy?: Tensor; medium?: Tensor; hard?: Tensor; dataset?: string };
  /** DAVIS J&F mean in [0,1] (SPEC 16); `j`, `f` optional. */
  davis?: { layers?: number[]; jf: Tensor; j?: Tensor; f?: Tensor };
  /** SPair PCK in [0,1] at `alpha` (default 0.1) (SPEC 17). */
  spair?: { layers?: number[]; pck: Tensor; alpha?: number };
}

/** One example image of a model, for the interactive viewer and the PCA-RGB figure. */
export interface ExampleImage {
  /** Identifier shown in the report (file name or id). */
  id: string;
  /** The image as the model saw it, `[S,S,3]` (or `[h,w,3]`) uint8 RGB. */
  image: Tensor<Uint8Array>;
  /** Attention of every layer `[L,H,T,T]` (T = prefix + gh·gw) for the viewer; float32 rows summing to 1. */
  attention?: Tensor;
  /** First three principal components of the patch tokens per layer `[L,gh,gw,3]` (see `pca` of `@vit/features`). */
  pca?: Tensor;
  /** 1-based layers of `attention` / `pca` when not every layer is included. @default 1..L */
  layers?: number[];
}

/** Everything the report knows about one model. */
export interface ModelResults {
  /** Short name used in legends and file names (letters, digits, `-`, `_`, `.`). */
  name: string;
  /**
   * Kind of supervision, as in the paper: `'fs'` (fully supervised), `'clip'`, `'dino'`,
   * `'mocov3'` (or `'moco'`), `'mae'`, `'beit'`, `'random'` (untrained), or any other label.
   * The findings use it to group models: explicit (`fs`, `clip`), contrastive (`dino`,
   * `mocov3`), reconstruction (`mae`, `beit`), none (`random`).
   */
  method?: string;
  /** Number of blocks L. */
  layers: number;
  /** Heads per block H. */
  heads: number;
  /** Token grid `[gh, gw]`. */
  grid: [number, number];
  /** Prefix tokens (CLS + registers). @default 1 */
  prefix?: number;
  /** Width D. */
  dim?: number;
  /** Where the model came from (path, checkpoint, hash …), shown in the provenance. */
  source?: string;
  attention?: AttentionResults;
  features?: FeatureResults;
  tasks?: TaskResults;
  /** A few images for the viewer and the PCA-RGB figure. */
  examples?: ExampleImage[];
}

/** The run's provenance, shown in the report's last section. */
export interface Provenance {
  /** Tool and library versions, e.g. `{ '@vit/report': '0.1.0', node: 'v20.19.0' }`. */
  versions?: Record<string, string>;
  /** Datasets used: name, on-disk root, split and how many images were used. */
  datasets?: { name: string; root?: string; split?: string; images: number; analyses?: string[] }[];
  /** Seconds per stage (`{ 'fs × sample': 12.3, … }`), in insertion order. */
  timings?: Record<string, number>;
  /** Images that could not be used, with the reason. */
  skipped?: { file: string; reason: string; dataset?: string }[];
  /** ISO time the study finished. */
  finishedAt?: string;
  /** Hash of the study config (or anything else that identifies the run). */
  configHash?: string;
  /** The command line that produced the results. */
  command?: string;
}

/** Random-feature baselines per task (SPEC 12), in the task's unit ([0,1]). */
export interface Baselines {
  knn?: number;
  retrieval?: number;
  davis?: number;
  spair?: number;
}

/**
 * The input of {@link renderReport} — and the shape of a study's `results.json` (with every
 * tensor stored as a `.npy` file beside it; see `writeResults` / `readResults`).
 * Per model × analysis × layer × head: per-head and per-layer numbers are tensors `[H]`,
 * `[L]`, `[L,H]`; layers are 1-based numbers, heads 0-based indices. Every part except
 * `models[].name/layers/heads/grid` is optional; the report draws what is there and says
 * what is missing.
 */
export interface ReportInput {
  /** Format version of this structure. */
  schemaVersion: 1;
  /** Title of the page. @default 'ViT study' */
  title?: string;
  models: ModelResults[];
  /** Results that compare models. */
  across?: {
    /** Last-layer CKA between every pair of `models` `[M,M]` (SPEC 8); `tokens` says which (e.g. `'cls'`). */
    lastLayerCKA?: { models: string[]; matrix: Tensor; tokens?: string };
    /** Layer × layer CKA between two models `[La,Lb]`. */
    pairCKA?: { a: string; b: string; matrix: Tensor; tokens?: string }[];
  };
  /** Random-feature baselines (the "Random" row of Table 1). */
  baselines?: Baselines;
  provenance?: Provenance;
}
