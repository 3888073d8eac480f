import { VitValueError } from '@vit/io';
import type { Keypoint } from '../matchKeypoints.js';
import type { PckPerCategoryResult } from '../pckPerCategory.js';
import type { PckScores } from '../pck.js';

/** Count the correct predictions of one pair per alpha (no validation of values beyond lengths). */
export function pckCounts(truth: readonly Keypoint[], pred: readonly Keypoint[], bboxSize: number, alphas: readonly number[]): number[] {
  const counts = alphas.map(() => 0);
  for (let k = 0; k < truth.length; k++) {
    const err = Math.hypot(pred[k][0] - truth[k][0], pred[k][1] - truth[k][1]);
    for (let a = 0; a < alphas.length; a++) if (err <= alphas[a] * bboxSize) counts[a]++;
  }
  return counts;
}

/** Check and copy the thresholds α. */
export function checkAlphas(alphas: unknown, fn: string): number[] {
  const list = alphas === undefined ? [0.1, 0.05, 0.01] : alphas;
  if (!Array.isArray(list) || list.length === 0) throw new VitValueError(`\`alphas\` of ${fn} must be a non-empty list of thresholds. Got ${JSON.stringify(alphas)}.`);
  for (const a of list) if (typeof a !== 'number' || !(a > 0) || !Number.isFinite(a)) throw new VitValueError(`\`alphas\` of ${fn} must be finite numbers > 0. Got ${a}.`);
  return [...list];
}

/** Validate the arguments of a PCK computation. */
export function checkPck(truth: readonly Keypoint[], pred: readonly Keypoint[], bboxSize: number, fn: string, where = ''): void {
  if (!Array.isArray(truth)) throw new VitValueError(`\`truth\` of ${fn}${where} must be an array of [x, y] keypoints. Got ${typeof truth}.`);
  if (!Array.isArray(pred) || pred.length !== truth.length) {
    throw new VitValueError(`\`pred\` of ${fn}${where} must have one keypoint per true keypoint (${truth.length}). Got ${Array.isArray(pred) ? pred.length : typeof pred}.`, { code: 'VIT_LENGTH_MISMATCH' });
  }
  if (typeof bboxSize !== 'number' || !(bboxSize > 0) || !Number.isFinite(bboxSize)) {
    throw new VitValueError(`\`bboxSize\` of ${fn}${where} must be a finite number > 0 (max of the target box's width and height). Got ${bboxSize}.`);
  }
  for (let k = 0; k < truth.length; k++) {
    for (const [name, p] of [['truth', truth[k]], ['pred', pred[k]]] as const) {
      if (!p || p.length !== 2 || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) {
        throw new VitValueError(`\`${name}[${k}]\` of ${fn}${where} must be a finite [x, y]. Got [${p}].`, { code: 'VIT_NON_FINITE' });
      }
    }
  }
}

/** Every keypoint must be a finite `[x, y]` inside `[0, size)²`. */
export function checkKeypoints(kps: readonly Keypoint[], size: number, name: string, fn: string): void {
  if (!Array.isArray(kps)) throw new VitValueError(`\`${name}\` of ${fn} must be an array of [x, y] keypoints. Got ${typeof kps}.`);
  for (let k = 0; k < kps.length; k++) {
    const p = kps[k];
    const ok = p && p.length === 2 && Number.isFinite(p[0]) && Number.isFinite(p[1]) && p[0] >= 0 && p[1] >= 0 && p[0] < size && p[1] < size;
    if (!ok) {
      throw new VitValueError(`\`${name}[${k}]\` of ${fn} must be an [x, y] inside the ${size}×${size} image ([0, ${size}) on each axis). Got [${p}].`);
    }
  }
}

/** Per-category PCK and their mean from pooled counts. */
export function summarize(acc: Map<string, { n: number; c: number[] }>, alphas: readonly number[], fn: string): PckPerCategoryResult {
  if (acc.size === 0) throw new VitValueError(`\`pairs\` of ${fn} must contain at least one keypoint. Got none.`, { code: 'VIT_EMPTY' });
  const categories = [...acc.keys()].sort();
  const perCategory: Record<string, PckScores> = {};
  const keypoints: Record<string, number> = {};
  const sums = alphas.map(() => 0);
  for (const cat of categories) {
    const a = acc.get(cat)!;
    perCategory[cat] = Object.fromEntries(alphas.map((al, j) => [String(al), a.c[j] / a.n]));
    keypoints[cat] = a.n;
    alphas.forEach((_, j) => (sums[j] += a.c[j] / a.n));
  }
  const mean = Object.fromEntries(alphas.map((al, j) => [String(al), sums[j] / categories.length]));
  return { categories, perCategory, keypoints, mean };
}
