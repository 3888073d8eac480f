import { VitValueError, shapeText, tensor } from '@vit/io';
import type { Tensor } from '@vit/io';
import type { Data } from 'ndarray';
import { maskWeights, poolTokens } from './internal/maskWeights.js';

/**
 * Mask-weighted mean of spatial tokens (SPEC 11): token weight = the mask's area fraction
 * inside that token's pixel footprint, weights normalised to sum 1.
 *
 * Mask pixels map to tokens by geometry: token `(i,j)` of a `gh×gw` grid covers the pixel
 * rectangle `[i·H/gh, (i+1)·H/gh) × [j·W/gw, (j+1)·W/gw)`. When `H`, `W` are multiples of
 * `gh`, `gw` each token owns an exact `H/gh × W/gw` block of whole pixels; otherwise a pixel
 * on a token border is split between the tokens by its overlap area (box-filter resampling).
 * The mask is binary: any non-zero value is inside.
 *
 * @param tokens spatial tokens of one layer, `[gh,gw,D]` (no prefix tokens).
 * @param mask object or part mask `[H,W]`, in the same frame as the token grid.
 * @returns the pooled feature, a float32 tensor `[D]`.
 * @throws VitValueError when shapes are wrong, the mask is empty (`VIT_EMPTY_MASK`) or the
 * tokens hold NaN/Inf.
 * @example
 * const f = maskPool(tokens, mask); // tokens [14,14,768], mask [224,224] → tensor [768]
 */
export function maskPool(tokens: Tensor<Data>, mask: Tensor<Data>): Tensor {
  const fn = 'maskPool';
  const t = tokens as Tensor<Data>;
  if (!t || typeof t !== 'object' || !Array.isArray(t.shape) || t.shape.length !== 3) {
    throw new VitValueError(`\`tokens\` of ${fn} must be a 3-D ndarray [gh,gw,D]. Got ${t && Array.isArray(t.shape) ? shapeText(t.shape) : typeof tokens}.`);
  }
  const [gh, gw] = t.shape;
  const w = maskWeights(mask, gh, gw, fn);
  if (!w) throw new VitValueError(`\`mask\` of ${fn} is empty (no non-zero pixel): there is nothing to pool.`, { code: 'VIT_EMPTY_MASK' });
  const out = poolTokens(t, w);
  for (let d = 0; d < out.length; d++) {
    if (!Number.isFinite(out[d])) throw new VitValueError(`\`tokens\` of ${fn} must be finite inside the mask. Got ${out[d]} in channel ${d}.`, { code: 'VIT_NON_FINITE' });
  }
  return tensor(out, [out.length]);
}
