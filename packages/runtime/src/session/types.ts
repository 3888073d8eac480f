import type { Tensor } from '@vit/io';
import type { TapName } from '../instrument/types.js';

/** Token grid of a capture (SPEC "Conventions"): `T = prefix + gh·gw`. */
export interface CaptureGrid {
  gh: number;
  gw: number;
  /** Prefix tokens `P` (CLS + registers). */
  prefix: number;
  /** Patch size in pixels. */
  patch: number;
}

/** An image the stream could not read or decode; it is left out of every capture. */
export interface SkippedImage {
  /** Position in the input sequence (0-based). */
  index: number;
  /** The path, or the id given with the image. */
  id: string;
  /** One line saying why. */
  error: string;
  /** The error's code when it had one (`VIT_IO`, …). */
  code?: string;
}

/** Per-batch metadata of a {@link Capture}. */
export interface CaptureMeta {
  /** Images in this batch `B`. */
  batch: number;
  /** Per image: the path, the given id, or its position as a string. */
  ids: string[];
  /** Per image: position in the input sequence (0-based). */
  indices: number[];
  /** Per image: the label given with it (`undefined` when none). */
  labels: (string | number | undefined)[];
  /** Images skipped since the previous capture (all of them: {@link CaptureStream.skipped}). */
  skipped: SkippedImage[];
}

/**
 * One batch of taps (DESIGN "The tensor contract"): `taps.attention[i]` `[B,H,T,T]`, token taps
 * `[B,T,D]`, for the block `layers[i]` (1-based; all blocks by default, so index `l−1`).
 */
export interface Capture {
  taps: Partial<Record<TapName, Tensor[]>>;
  /** 1-based block numbers, one per entry of each tap array. */
  layers: number[];
  grid: CaptureGrid;
  meta: CaptureMeta;
}

/** What {@link ViTSession.stream} takes per image: a path, decoded `[H,W,3]` uint8 pixels, or either with an id and label. */
export type StreamInput =
  | string
  | Tensor<Uint8Array>
  | { path: string; id?: string; label?: string | number }
  | { image: Tensor<Uint8Array>; id?: string; label?: string | number };

/** The result of {@link ViTSession.stream}: captures in input order, and every skipped image. */
export interface CaptureStream extends AsyncIterable<Capture> {
  /** Images that could not be decoded so far, in input order. */
  readonly skipped: SkippedImage[];
}
