import { VitValueError, tensor } from '@vit/io';
import type { NumericBackend, Tensor, TypedArray } from '@vit/io';
import { maskData } from './internal/masks.js';
import { LabelPropagator } from './internal/propagator.js';
import { propagatorSettings } from './internal/propagator.js';

export interface PropagateLabelsOptions {
  /** How many preceding frames' soft predictions join the first frame as context. @default 7 */
  contextFrames?: number;
  /** Affinity temperature: affinity = `exp(f_t · f_c / temperature)`. @default 0.1 */
  temperature?: number;
  /** Neighbourhood radius in tokens per axis (`|Δi|, |Δj| ≤ neighborhood`); `Infinity` = whole frame. @default 12 */
  neighborhood?: number;
  /** Affinities kept per target token (top-k over all context tokens). @default 5 */
  k?: number;
  /** DINO's code min-max scales each upsampled channel (`norm_mask`) before the argmax; `true` does the same. @default false */
  reference?: boolean;
  /** Where the affinity product `[hw,D]·[D,ctx·hw]` runs. @default resolveBackend() of `@vit/io` (onnxruntime when installed) */
  backend?: NumericBackend;
}

/**
 * Semi-supervised video object segmentation by label propagation (SPEC 16, DINO's protocol).
 * Per frame: token features L2-normalised; context = the first frame (with `firstMask`
 * resampled to the token grid by the nearest pixel to each token centre, one-hot) plus the soft
 * predictions of the last `contextFrames` frames; affinity `exp(f_t · f_c / T)` computed as one
 * product `[hw,D]·[D, ctx·hw]` through the backend, restricted to context tokens within
 * `neighborhood` tokens on each axis; each target token keeps its `k` largest affinities over
 * all context tokens (ties: earlier context frame, then row-major order), normalises them to sum
 * 1 and takes the weighted sum of those tokens' soft labels. The soft labels `[h,w,C]` are
 * upsampled bilinearly (half-pixel centres) to `[H,W]`; the label map is the argmax (ties →
 * lower label).
 *
 * The first yielded map is `firstMask` itself (the given annotation), so there is one output per
 * input frame.
 *
 * @param frames Features of every frame in order, each `[h,w,D]` (the same shape for all).
 * @param firstMask Labels of frame 0 `[H,W]` (0 = background, 1..C−1 = objects), Uint8/Int32/….
 * @param options See {@link PropagateLabelsOptions}.
 * @returns Label maps `[H,W]` (Int32Array), one per frame.
 * @throws VitValueError when `firstMask` has no object (`VIT_EMPTY`) or a non-integer label, a frame's shape differs from frame 0 (`VIT_SHAPE`), or the features hold non-finite values (`VIT_NON_FINITE`).
 * @example
 * const predicted = [];
 * for await (const labels of propagateLabels(featureFrames(), truth[0])) predicted.push(labels);
 * const { JF } = davisScores(truth, predicted);
 */
export function propagateLabels(
  frames: AsyncIterable<Tensor<TypedArray>> | Iterable<Tensor<TypedArray>>,
  firstMask: Tensor<TypedArray>,
  options: PropagateLabelsOptions = {},
): AsyncGenerator<Tensor<Int32Array>, void, undefined> {
  const fn = 'propagateLabels';
  const settings = propagatorSettings(options, fn);
  const m = maskData(firstMask, 'firstMask', fn);
  if (!frames || (typeof (frames as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function' && typeof (frames as Iterable<unknown>)[Symbol.iterator] !== 'function')) {
    throw new VitValueError(`\`frames\` of ${fn} must be an (async) iterable of [h,w,D] tensors. Got ${typeof frames}.`);
  }
  // Validated eagerly (here), not on the first `next()`.
  const prop = new LabelPropagator(m.data, m.h, m.w, settings, fn);
  return run(frames, prop, m.h, m.w);
}

async function* run(
  frames: AsyncIterable<Tensor<TypedArray>> | Iterable<Tensor<TypedArray>>,
  prop: LabelPropagator,
  H: number,
  W: number,
): AsyncGenerator<Tensor<Int32Array>, void, undefined> {
  let t = 0;
  for await (const f of frames) {
    const { labels } = await prop.step(f, `frames[${t}]`);
    yield tensor(labels, [H, W]);
    t++;
  }
}
