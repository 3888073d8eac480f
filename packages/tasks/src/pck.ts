import { checkPck, pckCounts } from './internal/keypoints.js';
import type { Keypoint } from './matchKeypoints.js';

/** PCK per threshold, keyed by the threshold as written (`"0.1"`, `"0.05"`, …). */
export type PckScores = Record<string, number>;

/**
 * Percentage of correct keypoints of one image pair (SPEC 17): a predicted keypoint is correct
 * when its Euclidean distance to the true one is `≤ α · bboxSize`, with `bboxSize =
 * max(bbox_w, bbox_h)` of the target object's box in the same (resized) frame.
 *
 * @param pred Predicted keypoints `[K]` of `[x, y]`.
 * @param gt True keypoints `[K]` of `[x, y]` (the keypoints visible in both images).
 * @param bboxSize `max(bbox_w, bbox_h)` of the target box, in pixels.
 * @param alphas Thresholds α (a prediction is correct when its error is `≤ α · bboxSize`); default `[0.1, 0.05, 0.01]`.
 * @returns Fraction correct per α, e.g. `{ "0.1": 0.75, "0.05": 0.5, "0.01": 0 }`; NaN when `K = 0`.
 * @throws VitValueError when the lengths differ, `bboxSize ≤ 0`, an α ≤ 0, or a coordinate is not finite.
 * @example
 * pck([[10, 10], [50, 50]], [[12, 10], [40, 50]], 100) // { "0.1": 1, "0.05": 0.5, "0.01": 0 }
 */
export function pck(
  pred: readonly Keypoint[],
  gt: readonly Keypoint[],
  bboxSize: number,
  alphas: readonly number[] = [0.1, 0.05, 0.01],
): PckScores {
  checkPck(pred, gt, bboxSize, alphas, 'pck');
  const counts = pckCounts(pred, gt, bboxSize, alphas);
  return Object.fromEntries(alphas.map((a, i) => [String(a), gt.length === 0 ? NaN : counts[i] / gt.length]));
}
