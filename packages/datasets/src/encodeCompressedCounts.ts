import { VitValueError } from '@vit/io';

/**
 * Encodes run lengths as COCO's compressed RLE string, the inverse of
 * {@link decodeCompressedCounts} (what pycocotools writes for `mask.encode`).
 *
 * @param counts Run lengths, alternating 0-runs and 1-runs, starting with 0s; non-negative integers.
 * @returns The compressed string.
 * @throws {VitValueError} when a count is not a non-negative integer.
 * @example
 * encodeCompressedCounts([5, 2, 2, 0, 3]) // → '52203'
 */
export function encodeCompressedCounts(counts: readonly number[]): string {
  let s = '';
  for (let i = 0; i < counts.length; i++) {
    const c0 = counts[i];
    if (!Number.isSafeInteger(c0) || c0 < 0) {
      throw new VitValueError(`\`counts\` of encodeCompressedCounts must hold non-negative integers. Got ${c0} at ${i}.`);
    }
    let x = i > 2 ? c0 - counts[i - 2] : c0;
    let more = true;
    while (more) {
      // floor-division keeps the arithmetic shift semantics for negative differences
      const group = ((x % 32) + 32) % 32;
      x = (x - group) / 32;
      more = (group & 0x10) !== 0 ? x !== -1 : x !== 0;
      s += String.fromCharCode(48 + (more ? group | 0x20 : group));
    }
  }
  return s;
}
