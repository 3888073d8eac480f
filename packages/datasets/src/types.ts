import type { Tensor } from '@vit/io';

/** Reads one image file into a `[H,W,3]` uint8 RGB tensor. Default: `readImage` of `@vit/io`. */
export type ImageReader = (path: string) => Promise<Tensor<Uint8Array>>;

/** What every sample has: a stable id and a lazy image loader (nothing is decoded before `loadImage()`). */
export interface Sample {
  /** Stable identifier, unique within the dataset. */
  readonly id: string | number;
  /** Absolute path of the image file. */
  readonly path: string;
  /** Decodes the image: `[H,W,3]` uint8 RGB. Reads the file on every call (nothing is cached). */
  loadImage(): Promise<Tensor<Uint8Array>>;
}

/** A reason samples or annotations were left out, with how many and the first few examples. */
export interface SkipReport {
  /** Short machine-readable reason, e.g. `"missing-image"`. */
  reason: string;
  /** Human text. */
  message: string;
  /** How many were skipped. */
  count: number;
  /** Up to 5 examples (paths or ids). */
  examples: string[];
}

/** What `describe()` returns: counts of everything the reader found and selected, and what it skipped. */
export interface DatasetDescription {
  /** Dataset name, e.g. `"coco"`. */
  dataset: string;
  /** The root folder given to the reader. */
  root: string;
  /** Split or subset, e.g. `"val2017"`. */
  split: string;
  /** Number of samples the dataset yields. */
  samples: number;
  /** Named counts (images found, annotations, categories, …). */
  counts: Record<string, number>;
  /** Everything left out, by reason (empty when nothing was). */
  skipped: SkipReport[];
}

/**
 * A dataset: an async-iterable of samples held as an indexed list (for sharding by image),
 * plus `describe()`.
 */
export interface Dataset<S> extends AsyncIterable<S> {
  /** Dataset name, e.g. `"imagenet50"`. */
  readonly name: string;
  /** Every sample, in iteration order. */
  readonly samples: readonly S[];
  /** `samples.length`. */
  readonly size: number;
  /** Counts and skip reports. */
  describe(): DatasetDescription;
}
