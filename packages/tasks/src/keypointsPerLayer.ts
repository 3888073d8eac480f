import { VitValueError } from '@vit/io';
import type { NumericBackend, Tensor, TypedArray } from '@vit/io';
import { matchKeypoints } from './matchKeypoints.js';
import type { Keypoint } from './matchKeypoints.js';
import { checkKeypoints, checkPck, pckCounts, summarize } from './internal/keypoints.js';
import type { PckPerCategoryResult } from './pckPerCategory.js';

/** One image pair with the features of every layer. */
export interface KeypointLayerPair {
  category: string;
  /** Source features per layer, each `[h,w,D]`. */
  src: readonly Tensor<TypedArray>[];
  /** Target features per layer, each `[h,w,D]`. */
  tgt: readonly Tensor<TypedArray>[];
  /** Source keypoints `[K]` (visible in both images), pixels of the `size×size` frame. */
  srcKps: readonly Keypoint[];
  /** The matching target keypoints `[K]`. */
  tgtKps: readonly Keypoint[];
  /** `max(bbox_w, bbox_h)` of the target box in the resized frame. */
  bboxSize: number;
}

export interface KeypointsPerLayerOptions {
  /** Thresholds α. @default [0.1, 0.05, 0.01] */
  alphas?: readonly number[];
  /** 1-based layer number of each entry, for the output. @default [1, 2, …, L] */
  layers?: readonly number[];
  /** Numeric backend. @default referenceBackend */
  backend?: NumericBackend;
}

/** SPair scores of one layer. */
export interface KeypointLayerResult extends PckPerCategoryResult {
  /** 1-based layer number. */
  layer: number;
}

/**
 * Keypoint correspondence (SPEC 17) for every layer from one extraction pass: each pair carries
 * the features of every layer; every layer matches the keypoints with {@link matchKeypoints}, and
 * is scored with the per-category protocol of {@link pckPerCategory}. Pairs stream through:
 * only the counts are kept.
 *
 * @param pairs Pairs with per-layer features (sync or async iterable).
 * @param size Side `S` of the square frame in pixels.
 * @param options See {@link KeypointsPerLayerOptions}.
 * @returns One `{ layer, categories, perCategory, keypoints, mean }` per layer.
 * @throws VitValueError when the layer count changes between pairs, keypoints lie outside the image, or lengths differ.
 * @example
 * const perLayer = await keypointsPerLayer(spairPairs(), 224, { backend: ortBackend() });
 * perLayer.map((r) => [r.layer, r.mean['0.1']]);
 */
export async function keypointsPerLayer(
  pairs: AsyncIterable<KeypointLayerPair> | Iterable<KeypointLayerPair>,
  size: number,
  options: KeypointsPerLayerOptions = {},
): Promise<KeypointLayerResult[]> {
  const fn = 'keypointsPerLayer';
  const alphas = options.alphas ?? [0.1, 0.05, 0.01];
  let accs: Map<string, { n: number; c: number[] }>[] = [];
  let layers: number[] = [];
  let i = 0;
  for await (const p of pairs) {
    const where = ` (pairs[${i}])`;
    if (!p || typeof p.category !== 'string') throw new VitValueError(`\`pairs[${i}].category\` of ${fn} must be a string.`);
    if (!Array.isArray(p.src) || !Array.isArray(p.tgt) || p.src.length === 0 || p.src.length !== p.tgt.length) {
      throw new VitValueError(`\`pairs[${i}].src\` and \`.tgt\` of ${fn} must hold the same non-empty number of layers.`);
    }
    if (i === 0) {
      layers = options.layers ? [...options.layers] : p.src.map((_, l) => l + 1);
      if (layers.length !== p.src.length) throw new VitValueError(`\`layers\` of ${fn} must name ${p.src.length} layers. Got ${layers.length}.`);
      accs = layers.map(() => new Map());
    } else if (p.src.length !== accs.length) {
      throw new VitValueError(`\`pairs[${i}].src\` of ${fn} must hold ${accs.length} layers like pairs[0]. Got ${p.src.length}.`);
    }
    checkPck(p.srcKps, p.tgtKps, p.bboxSize, alphas, fn, where);
    checkKeypoints(p.srcKps, size, `pairs[${i}].srcKps`, fn);
    for (let l = 0; l < accs.length; l++) {
      const pred = await matchKeypoints(p.src[l], p.tgt[l], p.srcKps, size, { backend: options.backend });
      if (p.tgtKps.length === 0) continue;
      const a = accs[l].get(p.category) ?? { n: 0, c: alphas.map(() => 0) };
      pckCounts(pred, p.tgtKps, p.bboxSize, alphas).forEach((v, j) => (a.c[j] += v));
      a.n += p.tgtKps.length;
      accs[l].set(p.category, a);
    }
    i++;
  }
  if (i === 0) throw new VitValueError(`\`pairs\` of ${fn} must contain at least one pair. Got none.`);
  return accs.map((acc, l) => ({ layer: layers[l], ...summarize(acc, alphas, fn) }));
}
