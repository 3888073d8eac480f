import { maskData, binaryOf, iou } from './internal/masks.js';
import type { Tensor, TypedArray } from '@vit/io';

/**
 * Region similarity **J** of DAVIS (SPEC 16): the IoU of two binary masks, 1 when both are empty.
 * Any non-zero value counts as foreground.
 *
 * @param pred Predicted mask `[H,W]` (any numeric dtype).
 * @param gt True mask `[H,W]`.
 * @returns J in [0, 1].
 * @throws VitValueError when either is not a 2-D tensor or their shapes differ.
 * @example
 * jaccard(tensor(new Uint8Array([1, 1, 0, 0]), [2, 2]), tensor(new Uint8Array([1, 0, 0, 0]), [2, 2])) // 0.5
 */
export function jaccard(pred: Tensor<TypedArray>, gt: Tensor<TypedArray>): number {
  const g = maskData(gt, 'gt', 'jaccard');
  const p = maskData(pred, 'pred', 'jaccard', [g.h, g.w]);
  const n = g.h * g.w;
  return iou(binaryOf(p.data, null, new Uint8Array(n)), binaryOf(g.data, null, new Uint8Array(n)));
}
