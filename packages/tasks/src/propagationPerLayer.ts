import type { Tensor, TypedArray } from '@vit/io';
import { PropagationAccumulator } from './PropagationAccumulator.js';
import type { FrameInput, PropagationAccumulatorOptions, PropagationResult } from './PropagationAccumulator.js';
import { drive } from './internal/driver.js';

/** Options of {@link propagationPerLayer}: those of {@link PropagationAccumulator}. */
export type PropagationPerLayerOptions = PropagationAccumulatorOptions;

/**
 * DAVIS label propagation of one video scored for every selected layer from one extraction
 * pass: each item of `frames` holds the features of one frame for every layer (`[h,w,D]` each;
 * or a Capture of consecutive frames); every layer runs its own {@link propagateLabels} and is
 * scored frame by frame against `truth` with {@link davisScores}'s rules, so no predicted video is
 * kept in memory. Runs a {@link PropagationAccumulator} over this one video (id `"video"`).
 *
 * @param frames Per frame, the per-layer features `[L]` of `[h,w,D]` (item-major), or Captures.
 * @param truth True label maps of every frame `[H,W]`; `truth[0]` is the propagated annotation.
 * @param options See {@link PropagationPerLayerOptions}; `layers` selects layers.
 * @returns `{ layers, videos, objects, J [L], F [L], JF [L], perVideo }`.
 * @throws VitValueError when `truth[0]` is empty (`VIT_EMPTY`), the number of frames differs from `truth.length` or the layer count changes between frames (`VIT_SHAPE`).
 * @example
 * const { layers, JF } = await propagationPerLayer(framesByLayer(), truth);
 * layers.map((l, i) => [l, JF.data[i]]);
 */
export async function propagationPerLayer(
  frames: AsyncIterable<FrameInput> | Iterable<FrameInput>,
  truth: readonly Tensor<TypedArray>[],
  options: PropagationPerLayerOptions = {},
): Promise<PropagationResult> {
  return drive(new PropagationAccumulator(options), [{ id: 'video', truth, frames }]);
}
