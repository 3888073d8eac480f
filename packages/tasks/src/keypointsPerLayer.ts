import { KeypointAccumulator } from './KeypointAccumulator.js';
import type { KeypointAccumulatorOptions, KeypointLayerPair, KeypointResult } from './KeypointAccumulator.js';
import { drive } from './internal/driver.js';

/** Options of {@link keypointsPerLayer}: those of {@link KeypointAccumulator}. */
export type KeypointsPerLayerOptions = KeypointAccumulatorOptions;

/**
 * Keypoint correspondence (SPEC 17) for every selected layer from one extraction pass: each pair
 * carries the features of every layer (item-major); every layer matches the keypoints with
 * {@link matchKeypoints} and is scored with the per-category protocol of {@link pckPerCategory}.
 * Pairs stream through a {@link KeypointAccumulator}: only the counts are kept.
 *
 * @param pairs Pairs with per-layer features and their frame `size` (sync or async iterable).
 * @param options See {@link KeypointsPerLayerOptions}.
 * @returns `{ layers, alphas, categories, keypoints, perCategory [L,C,nα], mean [L,nα] }`.
 * @throws VitValueError when the layer count changes between pairs (`VIT_SHAPE`), keypoints lie outside the image, lengths differ, or no pair has keypoints (`VIT_EMPTY`).
 * @example
 * const { layers, mean } = await keypointsPerLayer(spairPairs(), { alphas: [0.1] });
 * layers.map((l, i) => [l, mean.data[i]]);
 */
export async function keypointsPerLayer(pairs: AsyncIterable<KeypointLayerPair> | Iterable<KeypointLayerPair>, options: KeypointsPerLayerOptions = {}): Promise<KeypointResult> {
  return drive(new KeypointAccumulator(options), pairs);
}
