const KPS = 6;

/**
 * The keypoint table `writeSyntheticSpair` gives image `i` (0-based) of a category:
 * `[x, y]` per keypoint id, `null` when not visible (keypoint `(i + j) % 4 === 3` is hidden).
 * @param i Image index within its category (0-based).
 * @returns 6 entries, `[x, y]` or `null`.
 * @example syntheticSpairKeypoints(0)[3] // → null
 */
export function syntheticSpairKeypoints(i: number): ([number, number] | null)[] {
  const out: ([number, number] | null)[] = [];
  for (let j = 0; j < KPS; j++) out.push((i + j) % 4 === 3 ? null : [2 + 3 * j + i, 3 + 2 * j + i]);
  return out;
}

