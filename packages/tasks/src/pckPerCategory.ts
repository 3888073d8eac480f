import { VitValueError } from '@vit/io';
import { checkAlphas, checkPck, pckCounts, summarize } from './internal/keypoints.js';
import type { PckScores } from './pck.js';
import type { Keypoint } from './matchKeypoints.js';

/** One evaluated image pair. */
export interface KeypointPair {
  /** Object category, e.g. `"aeroplane"`. */
  category: string;
  /** True target keypoints `[K]` (visible in both images). */
  truth: readonly Keypoint[];
  /** Predicted target keypoints `[K]`. */
  pred: readonly Keypoint[];
  /** `max(bbox_w, bbox_h)` of the target box in the resized frame. */
  bboxSize: number;
}

export interface PckPerCategoryOptions {
  /** Thresholds α. @default [0.1, 0.05, 0.01] */
  alphas?: readonly number[];
}

export interface PckPerCategoryResult {
  /** Categories in sorted order (those with at least one keypoint). */
  categories: string[];
  /** PCK of every category: keypoints of all its pairs pooled. */
  perCategory: Record<string, PckScores>;
  /** Keypoints pooled per category. */
  keypoints: Record<string, number>;
  /** Mean over categories of the per-category PCK (each category weighs the same). */
  mean: PckScores;
}

/**
 * The SPair-71k protocol (SPEC 17): PCK per category with the keypoints of all the category's
 * pairs pooled, then the unweighted mean over categories (sorted by name). Categories whose
 * pairs have no keypoints are left out.
 *
 * @param pairs Evaluated pairs with their category, truth, predictions and target box size.
 * @param options See {@link PckPerCategoryOptions}.
 * @returns `{ categories, perCategory, keypoints, mean }`.
 * @throws VitValueError when a pair is malformed (named by its index) or no pair has keypoints (`VIT_EMPTY`).
 * @example
 * const { mean, perCategory } = pckPerCategory(pairs, { alphas: [0.1] });
 */
export function pckPerCategory(pairs: Iterable<KeypointPair>, options: PckPerCategoryOptions = {}): PckPerCategoryResult {
  const fn = 'pckPerCategory';
  const alphas = checkAlphas(options.alphas, fn);
  const acc = new Map<string, { n: number; c: number[] }>();
  let i = 0;
  for (const p of pairs) {
    if (!p || typeof p.category !== 'string') throw new VitValueError(`\`pairs[${i}].category\` of ${fn} must be a string. Got ${typeof p?.category}.`);
    checkPck(p.truth, p.pred, p.bboxSize, fn, ` (pairs[${i}])`);
    if (p.truth.length > 0) {
      const a = acc.get(p.category) ?? { n: 0, c: alphas.map(() => 0) };
      const c = pckCounts(p.truth, p.pred, p.bboxSize, alphas);
      a.n += p.truth.length;
      c.forEach((v, j) => (a.c[j] += v));
      acc.set(p.category, a);
    }
    i++;
  }
  return summarize(acc, alphas, fn);
}
