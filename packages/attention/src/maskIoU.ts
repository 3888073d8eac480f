import { VitValueError } from '@vit/io';
import { iou01 } from './internal/saliency.js';

/**
 * Intersection over union of two masks of the same length (non-zero = inside):
 * `|a ∧ b| / |a ∨ b|`. Two empty masks are identical and give 1.
 *
 * @param a A mask, e.g. from {@link saliencyMask}.
 * @param b A mask of the same length.
 * @returns The IoU in `[0, 1]`.
 * @throws VitValueError when the lengths differ.
 * @example
 * maskIoU(Uint8Array.of(1, 1, 0), Uint8Array.of(0, 1, 1)) // 1/3
 */
export function maskIoU(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (!a || !b || typeof a.length !== 'number' || typeof b.length !== 'number' || a.length !== b.length) {
    throw new VitValueError(`\`b\` of maskIoU must have the length of \`a\` (${a?.length}). Got ${b?.length}.`);
  }
  return iou01(a, 0, b, 0, a.length);
}
