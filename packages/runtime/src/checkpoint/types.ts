import type { CheckpointTensor, ViTConfig } from '../builder/types.js';

/**
 * The naming schemes `loadCheckpoint` recognises: the official releases the paper used (`dino`,
 * `mocov3`, `mae`, `beit`, `clip` for OpenAI and OpenCLIP, `dinov2`), Hugging Face `transformers`
 * folders (`hf-vit`, `hf-deit`, `hf-dinov2`, `hf-clip`, `hf-beit`, `hf-vitmae`) and timm (`timm`).
 */
export type CheckpointFamily =
  | 'timm'
  | 'dino'
  | 'mocov3'
  | 'mae'
  | 'beit'
  | 'clip'
  | 'dinov2'
  | 'hf-vit'
  | 'hf-deit'
  | 'hf-dinov2'
  | 'hf-clip'
  | 'hf-beit'
  | 'hf-vitmae';

/**
 * The evaluation transform of a family: resize the short side to `resize` with `interpolation`,
 * centre-crop `crop × crop`, scale to [0,1], subtract `mean`, divide by `std` (per channel R, G, B).
 */
export interface CheckpointPreprocessing {
  /** The preset's name (the family's, e.g. `dino`, `clip`, or `config` when read from a side file). */
  name: string;
  /** The normalisation preset the mean/std equal (`imagenet`, `clip`, `inception`), or `custom`. */
  normalization: 'imagenet' | 'clip' | 'inception' | 'custom';
  mean: [number, number, number];
  std: [number, number, number];
  interpolation: 'bicubic' | 'bilinear';
  /** Short side after resizing, in pixels. */
  resize: number;
  /** Side of the centre crop, in pixels (the model's input size). */
  crop: number;
}

/** A checkpoint key that is not part of the ViT that gets built, and why. */
export interface IgnoredKey {
  key: string;
  reason: string;
}

/** What {@link loadCheckpoint} found: a family, a builder config, weights under timm's names. */
export interface LoadedCheckpoint {
  family: CheckpointFamily;
  /** One line naming the release and what was read (e.g. "DINO teacher backbone (torch.save zip, key 'teacher')"). */
  description: string;
  /** The files read: the weights, then any side files (`config.json`, `preprocessor_config.json`, …). */
  files: string[];
  /** The builder config: from the side config and the checkpoint's arguments where present, else from the tensor shapes. */
  config: ViTConfig;
  /** The weights under the builder's (timm's) names; pass them with `config` to `buildViT`. */
  weights: Record<string, CheckpointTensor>;
  /** For every weight, the checkpoint key(s) it came from. */
  sources: Record<string, string>;
  /** Checkpoint keys not used, with the reason (decoder, projection head, text tower, optimizer state, …). */
  ignored: IgnoredKey[];
  /** The family's evaluation transform. */
  preprocessing: CheckpointPreprocessing;
  /** What could not be read from the files and was assumed (with the option that overrides it). */
  notes: string[];
}

/** Options of {@link loadCheckpoint} and {@link convertCheckpoint}. */
export interface LoadCheckpointOptions {
  /** Read the checkpoint as this family instead of detecting it from its keys. @default detected */
  family?: CheckpointFamily;
  /**
   * Which entry of a checkpoint that nests several networks to read: DINO's `teacher` (the default,
   * as DINO's own evaluation) or `student`; `state_dict`, `model`, … otherwise.
   * @default the first of teacher, state_dict, model, module, model_state that holds tensors
   */
  checkpointKey?: string;
  /**
   * Config fields that override what is read or inferred (e.g. `{ heads: 12 }`, `{ layerNormEps: 1e-5 }`);
   * a complete config (imageSize, patchSize, dim, depth, heads given) is used as it is.
   * @default {}
   */
  config?: Partial<ViTConfig>;
  /**
   * A side config (`config.json` of Hugging Face or timm, `open_clip_config.json`) to read instead of
   * the one next to the weights. Only {@link loadCheckpoint} reads it.
   * @default the side files of the folder (or next to a file with a Hugging Face / OpenCLIP name)
   */
  configFile?: string;
  /**
   * Refuse keys that fit no naming scheme or that the config does not use; `false` lists them under
   * `ignored` instead (e.g. a `mask_token` of a bare backbone, a head when `config.numClasses` is 0).
   * @default true
   */
  strict?: boolean;
}
