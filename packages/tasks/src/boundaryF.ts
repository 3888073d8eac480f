import { VitValueError } from '@vit/io';
import type { Tensor, TypedArray } from '@vit/io';
import { binaryOf, boundaryRadius, fMeasure, maskData } from './internal/masks.js';

export interface BoundaryFOptions {
  /** Dilation radius in pixels. @default ⌈0.008 · √(H² + W²)⌉ (DAVIS) */
  radius?: number;
}

/**
 * Boundary accuracy **F** of DAVIS (SPEC 16). Boundary map: pixel (y,x) is marked when the mask
 * differs from its right, lower or lower-right neighbour (last row: right only; last column:
 * lower only; the corner never). Each map is dilated by a disc of radius `r`
 * (`x² + y² ≤ r²`); precision = predicted boundary pixels inside the dilated true boundary /
 * predicted boundary pixels, recall = true boundary pixels inside the dilated predicted boundary
 * / true boundary pixels, `F = 2PR/(P+R)`. F = 1 when both boundaries are empty, 0 when only one
 * is. Any non-zero value counts as foreground.
 *
 * @param truth True mask `[H,W]`.
 * @param pred Predicted mask `[H,W]`.
 * @param options See {@link BoundaryFOptions}.
 * @returns `{ F, precision, recall }`.
 * @throws VitValueError when the shapes differ (`VIT_SHAPE`) or `radius` is not a non-negative integer.
 * @example
 * const { F } = boundaryF(trueMask, predMask);
 */
export function boundaryF(
  truth: Tensor<TypedArray>,
  pred: Tensor<TypedArray>,
  options: BoundaryFOptions = {},
): { F: number; precision: number; recall: number } {
  const g = maskData(truth, 'truth', 'boundaryF');
  const p = maskData(pred, 'pred', 'boundaryF', [g.h, g.w]);
  const r = options.radius ?? boundaryRadius(g.h, g.w);
  if (!Number.isInteger(r) || r < 0) throw new VitValueError(`\`radius\` of boundaryF must be an integer ≥ 0. Got ${r}.`);
  const n = g.h * g.w;
  return fMeasure(binaryOf(p.data, null, new Uint8Array(n)), binaryOf(g.data, null, new Uint8Array(n)), g.h, g.w, r);
}
