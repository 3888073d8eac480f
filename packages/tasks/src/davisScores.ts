import { VitValueError } from '@vit/io';
import type { Tensor, TypedArray } from '@vit/io';
import { maskData } from './internal/masks.js';
import { DavisScorer } from './internal/davisScorer.js';

/** Scores of one object. */
export interface DavisObjectScore {
  /** Object id (label value in the masks). */
  id: number;
  /** Mean J over the scored frames. */
  J: number;
  /** Mean F over the scored frames. */
  F: number;
  /** J of every scored frame. */
  perFrameJ: number[];
  /** F of every scored frame. */
  perFrameF: number[];
}

export interface DavisScores {
  /** J-mean: mean over objects of each object's mean J. */
  J: number;
  /** F-mean: mean over objects of each object's mean F. */
  F: number;
  /** `(J + F) / 2`. */
  JF: number;
  perObject: DavisObjectScore[];
}

/**
 * DAVIS 2017 semi-supervised scores of one video (SPEC 16), computed as the benchmark does:
 * the objects are `1..max(truth[0])` (the ids of the first annotated frame); for each object, J
 * ({@link jaccard}) and F ({@link boundaryF}) of the binary masks `pred == id` vs `truth == id` on
 * every frame except the first and the last, averaged over those frames; then averaged over
 * objects. `JF = (J + F) / 2`.
 *
 * @param truth True label maps, one `[H,W]` per frame (0 = background).
 * @param pred Predicted label maps, one `[H,W]` per frame.
 * @returns `{ J, F, JF, perObject }`.
 * @throws VitValueError when the frame counts or shapes differ (`VIT_SHAPE`), there are fewer than 3 frames, or the first true frame has no object (`VIT_EMPTY`).
 * @example
 * const frames = [];
 * for await (const labels of propagateLabels(features, truth[0])) frames.push(labels);
 * const { J, F, JF } = davisScores(truth, frames);
 */
export function davisScores(truth: readonly Tensor<TypedArray>[], pred: readonly Tensor<TypedArray>[]): DavisScores {
  const fn = 'davisScores';
  if (!Array.isArray(truth) || truth.length < 3) {
    throw new VitValueError(`\`truth\` of ${fn} must hold at least 3 frames (the first and last are not scored). Got ${Array.isArray(truth) ? truth.length : typeof truth}.`, {
      code: 'VIT_SHAPE',
    });
  }
  if (!Array.isArray(pred) || pred.length !== truth.length) {
    throw new VitValueError(`\`pred\` of ${fn} must hold one label map per frame (${truth.length}). Got ${Array.isArray(pred) ? pred.length : typeof pred}.`, { code: 'VIT_LENGTH_MISMATCH' });
  }
  const first = maskData(truth[0], 'truth[0]', fn);
  const { h, w } = first;
  const scorer = new DavisScorer(first.data, h, w, truth.length, 'truth[0]', fn);
  for (let t = 1; t < truth.length - 1; t++) {
    const g = maskData(truth[t], `truth[${t}]`, fn, [h, w]);
    const p = maskData(pred[t], `pred[${t}]`, fn, [h, w]);
    scorer.add(t, p.data, g.data);
  }
  return scorer.result();
}
