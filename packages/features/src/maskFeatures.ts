import { VitValueError, shapeText, tensor } from '@vit/io';
import type { Tensor } from '@vit/io';
import type { Data } from 'ndarray';
import { maskWeights, poolTokens } from './internal/maskWeights.js';
import type { LabelledMask } from './FeatureCollector.js';

export interface MaskFeaturesResult {
  /** Per layer `[M,D]`: one pooled row per non-empty mask, in input order. */
  features: Tensor[];
  /** `[M]` the masks' labels, as given (integers or strings). */
  labels: (string | number)[];
  /** Masks skipped because they were empty. */
  skipped: number;
}

/**
 * Object- and part-level features of one image (SPEC 11): {@link maskPool} of every mask on
 * every layer's dense tokens, giving labelled feature sets ready for {@link kmeans} and the
 * clustering metrics (over a dataset, {@link FeatureCollector} with `tokens: 'masks'` does this per batch).
 * Each mask's token weights are computed once and reused for all layers. Empty masks are
 * skipped and counted.
 *
 * @param tokens dense spatial tokens: `[L,gh,gw,D]` (as tiling gives them) or a list of `[gh,gw,D]`, one per layer.
 * @param masks the image's masks with their labels.
 * @returns per-layer `[M,D]` features, labels `[M]`, skipped count.
 * @throws VitValueError on bad shapes, labels that are neither integers nor strings, or layers of different grids.
 * @example
 * const { features, labels } = maskFeatures(dense, [{ mask: dog, label: 3 }, { mask: cat, label: 7 }]);
 */
export function maskFeatures(tokens: Tensor | readonly Tensor[], masks: readonly LabelledMask[]): MaskFeaturesResult {
  const fn = 'maskFeatures';
  let layers: Tensor<Data>[];
  if (Array.isArray(tokens)) layers = tokens as Tensor<Data>[];
  else {
    const t = tokens as Tensor<Data>;
    if (!t || !Array.isArray(t.shape) || t.shape.length !== 4) {
      throw new VitValueError(`\`tokens\` of ${fn} must be [L,gh,gw,D] or a list of [gh,gw,D]. Got ${t && Array.isArray(t.shape) ? shapeText(t.shape) : typeof tokens}.`);
    }
    layers = Array.from({ length: t.shape[0] }, (_, l) => t.pick(l) as Tensor<Data>);
  }
  if (layers.length === 0) throw new VitValueError(`\`tokens\` of ${fn} must hold at least one layer.`);
  const first = layers[0];
  layers.forEach((t, l) => {
    if (!t || !Array.isArray(t.shape) || t.shape.length !== 3 || t.shape.some((s, a) => s !== first.shape[a])) {
      throw new VitValueError(`\`tokens[${l}]\` (layer ${l + 1}) of ${fn} must be [gh,gw,D] = ${shapeText(first.shape)}. Got ${t && Array.isArray(t.shape) ? shapeText(t.shape) : typeof t}.`);
    }
  });
  if (!Array.isArray(masks)) throw new VitValueError(`\`masks\` of ${fn} must be an array of { mask, label }. Got ${typeof masks}.`);
  const [gh, gw, D] = first.shape;
  const weights: Float64Array[] = [];
  const labels: (string | number)[] = [];
  let skipped = 0;
  masks.forEach((m, i) => {
    if (!m || !(Number.isInteger(m.label) || (typeof m.label === 'string' && m.label))) {
      throw new VitValueError(`\`masks[${i}].label\` of ${fn} must be an integer or a non-empty string. Got ${m ? JSON.stringify(m.label) : m}.`);
    }
    const w = maskWeights(m.mask, gh, gw, `${fn} (masks[${i}])`);
    if (!w) skipped++;
    else {
      weights.push(w);
      labels.push(m.label);
    }
  });
  const features = layers.map((t) => {
    const out = new Float32Array(weights.length * D);
    weights.forEach((w, r) => out.set(poolTokens(t, w), r * D));
    return tensor(out, [weights.length, D]);
  });
  return { features, labels, skipped };
}
