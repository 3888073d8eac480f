import { VitValueError, assertTensor } from '@vit/io';
import type { Tensor, TypedArray } from '@vit/io';
import { KnnIndex } from './KnnIndex.js';
import type { KnnIndexOptions, KnnIndexResult } from './KnnIndex.js';
import { drive, rowChunks } from './internal/driver.js';
import { perLayerList, sameLayerCount } from './internal/layers.js';
import { labelArray } from './internal/rows.js';

/** Options of {@link knnPerLayer}: those of {@link KnnIndex} (`layers` selects among the given layers). */
export type KnnPerLayerOptions = Omit<KnnIndexOptions, 'tokens'>;

/**
 * k-NN classification of every selected layer from one extraction pass: `train[l]` and
 * `test[l]` are the features of layer `l + 1` (item-major, e.g. the CLS token of each block
 * output). One {@link KnnIndex} answers every layer and every `k` from one pass over the train
 * rows.
 *
 * @param train Per-layer train features, each `[n,d]`.
 * @param trainLabels Train labels `[n]`.
 * @param test Per-layer test features, each `[m,d]`.
 * @param options See {@link KnnPerLayerOptions}; `layers` selects layers (1-based, negatives from the end).
 * @returns `{ layers, k, top1 [L,nk], top5 [L,nk], predictions [L,nk,m], top5Predictions [L,nk,m,5] }`.
 * @throws VitValueError when the layer counts differ (`VIT_SHAPE`), shapes disagree between layers, a label count differs from `n`, or a `k > n`.
 * @example
 * const { layers, top1 } = await knnPerLayer(trainByLayer, trainLabels, testByLayer, { k: 20, testLabels });
 * layers.map((l, i) => [l, top1.data[i]]);
 */
export async function knnPerLayer(
  train: readonly Tensor<TypedArray>[],
  trainLabels: ArrayLike<number>,
  test: readonly Tensor<TypedArray>[],
  options: KnnPerLayerOptions = {},
): Promise<KnnIndexResult> {
  const fn = 'knnPerLayer';
  perLayerList(train, 'train', fn);
  sameLayerCount(train, test, 'train', 'test', fn);
  assertTensor(train[0], { name: 'train[0]', fn, shape: [null, null], shapeText: '[n,d]' });
  const n = train[0].shape[0];
  train.forEach((t, l) => assertTensor(t, { name: `train[${l}]`, fn, shape: [n, null], shapeText: `[${n},d]` }));
  const labels = labelArray(trainLabels, n, 'trainLabels', fn, options.numClasses);
  const ks = typeof options.k === 'number' ? [options.k] : (options.k ?? [10, 20, 100, 200]);
  for (const k of ks) if (k > n) throw new VitValueError(`\`k\` of ${fn} must be ≤ the number of train rows (${n}). Got ${k}.`, { code: 'VIT_K_TOO_LARGE' });
  test.forEach((t, l) => assertTensor(t, { name: `test[${l}]`, fn, shape: [null, train[l].shape[1]], shapeText: `[${test[0]?.shape?.[0] ?? 'm'},${train[l].shape[1]}]` }));
  const index = new KnnIndex(test, options);
  return drive(index, rowChunks(train, labels, n, index.options.chunkSize));
}
