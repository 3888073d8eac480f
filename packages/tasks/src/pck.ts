import { checkAlphas, checkPck, pckCounts } from './internal/keypoints.js';
import type { Keypoint } from './matchKeypoints.js';

/** PCK per threshold, keyed by the threshold as written (`"0.1"`, `"0.05"`, …). */
export type PckScores = Record<string, number>;

export interface PckOptions {
  /** `max(bbox_w, bbox_h)` of the target object's box, in pixels of the same (resized) frame. Required. */
  bboxSize: number;
  /** Thresholds α: a prediction is correct when its error is `≤ α · bboxSize`. @default [0.1, 0.05, 0.01] */
  alphas?: readonly number[];
}

/**
 * Percentage of correct keypoints of one image pair (SPEC 17): a predicted keypoint is correct
 * when its Euclidean distance to the true one is `≤ α · bboxSize`, with `bboxSize =
 * max(bbox_w, bbox_h)` of the target object's box in the same (resized) frame.
 *
 * @param truth True keypoints `[K]` of `[x, y]` (the keypoints visible in both images).
 * @param pred Predicted keypoints `[K]` of `[x, y]`.
 * @param options See {@link PckOptions}; `bboxSize` is required.
 * @returns Fraction correct per α, e.g. `{ "0.1": 0.75, "0.05": 0.5, "0.01": 0 }`; NaN when `K = 0`.
 * @throws VitValueError when the lengths differ (`VIT_SHAPE`), `bboxSize ≤ 0`, an α ≤ 0, or a coordinate is not finite (`VIT_NON_FINITE`).
 * @example
 * pck([[12, 10], [40, 50]], [[10, 10], [50, 50]], { bboxSize: 100 }) // { "0.1": 1, "0.05": 0.5, "0.01": 0 }
 */
export function pck(truth: readonly Keypoint[], pred: readonly Keypoint[], options: PckOptions): PckScores {
  const alphas = checkAlphas(options?.alphas, 'pck');
  const bboxSize = options?.bboxSize;
  checkPck(truth, pred, bboxSize, 'pck');
  const counts = pckCounts(truth, pred, bboxSize, alphas);
  return Object.fromEntries(alphas.map((a, i) => [String(a), truth.length === 0 ? NaN : counts[i] / truth.length]));
}
