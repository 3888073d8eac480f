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
 * the objects are `1..max(gt[0])` (the ids of the first annotated frame); for each object, J
 * ({@link jaccard}) and F ({@link boundaryF}) of the binary masks `pred == id` vs `gt == id` on
 * every frame except the first and the last, averaged over those frames; then averaged over
 * objects. `JF = (J + F) / 2`.
 *
 * @param pred Predicted label maps, one `[H,W]` per frame (0 = background).
 * @param gt True label maps, one `[H,W]` per frame.
 * @returns `{ J, F, JF, perObject }`.
 * @throws VitValueError when the frame counts or shapes differ, there are fewer than 3 frames, or the first true frame has no object.
 * @example
 * const frames = [];
 * for await (const labels of propagateLabels(features, gt[0])) frames.push(labels);
 * const { J, F, JF } = davisScores(frames, gt);
 */
export function davisScores(pred: readonly Tensor<TypedArray>[], gt: readonly Tensor<TypedArray>[]): DavisScores {
  const fn = 'davisScores';
  if (!Array.isArray(gt) || gt.length < 3) {
    throw new VitValueError(`\`gt\` of ${fn} must hold at least 3 frames (the first and last are not scored). Got ${Array.isArray(gt) ? gt.length : typeof gt}.`);
  }
  if (!Array.isArray(pred) || pred.length !== gt.length) {
    throw new VitValueError(`\`pred\` of ${fn} must hold one label map per frame (${gt.length}). Got ${Array.isArray(pred) ? pred.length : typeof pred}.`);
  }
  const first = maskData(gt[0], 'gt[0]', fn);
  const { h, w } = first;
  const scorer = new DavisScorer(first.data, h, w, gt.length, 'gt[0]', fn);
  for (let t = 1; t < gt.length - 1; t++) {
    const g = maskData(gt[t], `gt[${t}]`, fn, [h, w]);
    const p = maskData(pred[t], `pred[${t}]`, fn, [h, w]);
    scorer.add(t, p.data, g.data);
  }
  return scorer.result();
}
