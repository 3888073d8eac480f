import { maskData, binaryOf, iou } from './internal/masks.js';
import type { Tensor, TypedArray } from '@vit/io';

/**
 * Region similarity **J** of DAVIS (SPEC 16): the IoU of two binary masks, 1 when both are empty.
 * Any non-zero value counts as foreground.
 *
 * @param truth True mask `[H,W]` (any numeric dtype).
 * @param pred Predicted mask `[H,W]`.
 * @returns J in [0, 1].
 * @throws VitValueError when either is not a 2-D tensor or their shapes differ (`VIT_SHAPE`).
 * @example
 * jaccard(tensor(new Uint8Array([1, 0, 0, 0]), [2, 2]), tensor(new Uint8Array([1, 1, 0, 0]), [2, 2])) // 0.5
 */
export function jaccard(truth: Tensor<TypedArray>, pred: Tensor<TypedArray>): number {
  const g = maskData(truth, 'truth', 'jaccard');
  const p = maskData(pred, 'pred', 'jaccard', [g.h, g.w]);
  const n = g.h * g.w;
  return iou(binaryOf(p.data, null, new Uint8Array(n)), binaryOf(g.data, null, new Uint8Array(n)));
}
