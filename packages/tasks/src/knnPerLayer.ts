import { VitValueError, assertTensor } from '@vit/io';
import type { NumericBackend, Tensor, TypedArray } from '@vit/io';
import { KnnIndex } from './KnnIndex.js';
import type { KnnResult } from './KnnIndex.js';
import { layerNumbers, sameLayerCount } from './internal/layers.js';
import { checkFinite, integer, labelArray, positive } from './internal/rows.js';

export interface KnnPerLayerOptions {
  /** Neighbour counts, all answered from one pass. @default [10, 20, 100, 200] */
  k?: number | readonly number[];
  /** Vote temperature. @default 0.07 */
  temperature?: number;
  /** Number of classes. @default 1 + the largest train label */
  numClasses?: number;
  /** True labels of the test rows `[m]` (for accuracies). @default undefined */
  testLabels?: ArrayLike<number>;
  /** 1-based layer number of each entry, for the output. @default [1, 2, …, L] */
  layers?: readonly number[];
  /** Train rows per similarity product: memory is `m × chunkSize` floats. @default max(1024, ⌊2²⁵ / m⌋) (128 MiB of similarities) */
  chunkSize?: number;
  /** Numeric backend. @default referenceBackend */
  backend?: NumericBackend;
}

/** k-NN scores of one layer. */
export interface KnnLayerResult {
  /** 1-based layer number. */
  layer: number;
  /** One result per `k`, increasing `k`. */
  results: KnnResult[];
}

/**
 * k-NN classification of every layer from one extraction pass: `train[l]` and `test[l]` are the
 * features of layer `l` (e.g. the CLS token of each block output). Each layer gets a
 * {@link KnnIndex}; all `k` are answered from one pass over the train rows.
 *
 * @param train Per-layer train features, each `[n,d]`.
 * @param trainLabels Train labels `[n]`.
 * @param test Per-layer test features, each `[m,d]`.
 * @param options See {@link KnnPerLayerOptions}.
 * @returns One `{ layer, results }` per layer.
 * @throws VitValueError when the layer counts differ, shapes disagree between layers, a label count differs from `n`, or a `k > n`.
 * @example
 * const perLayer = await knnPerLayer(trainByLayer, trainLabels, testByLayer, { k: 20, testLabels });
 * perLayer.map((r) => [r.layer, r.results[0].top1]);
 */
export async function knnPerLayer(
  train: readonly Tensor<TypedArray>[],
  trainLabels: ArrayLike<number>,
  test: readonly Tensor<TypedArray>[],
  options: KnnPerLayerOptions = {},
): Promise<KnnLayerResult[]> {
  const fn = 'knnPerLayer';
  const layers = layerNumbers(train, 'train', fn, options.layers);
  sameLayerCount(train, test, 'train', 'test', fn);
  const out: KnnLayerResult[] = [];
  for (let l = 0; l < train.length; l++) {
    const tr = train[l];
    assertTensor(tr, { name: `train[${l}]`, fn, shape: [null, null], shapeText: '[n,d]' });
    const [n, d] = tr.shape;
    const labels = labelArray(trainLabels, n, 'trainLabels', fn, options.numClasses);
    const chunk = integer(options.chunkSize ?? Math.max(1024, Math.floor(2 ** 25 / Math.max(1, test[l]?.shape?.[0] ?? 1))), 'chunkSize', fn, 1);
    const ks = typeof options.k === 'number' ? [options.k] : (options.k ?? [10, 20, 100, 200]);
    for (const k of ks) {
      if (k > n) throw new VitValueError(`\`k\` of ${fn} must be ≤ the number of train rows (${n}). Got ${k}.`);
    }
    assertTensor(test[l], { name: `test[${l}]`, fn, shape: [null, d], shapeText: `[m,${d}] (the width of train[${l}])` });
    positive(options.temperature ?? 0.07, 'temperature', fn);
    checkFinite(tr, `train[${l}]`, fn);
    checkFinite(test[l], `test[${l}]`, fn);
    if (options.testLabels !== undefined) labelArray(options.testLabels, test[l].shape[0], 'testLabels', fn, options.numClasses);
    const index = new KnnIndex(test[l], {
      k: options.k,
      temperature: options.temperature,
      numClasses: options.numClasses,
      testLabels: options.testLabels,
      backend: options.backend,
    });
    for (let s = 0; s < n; s += chunk) {
      const e = Math.min(n, s + chunk);
      await index.add(tr.hi(e, d).lo(s, 0) as Tensor<TypedArray>, labels.subarray(s, e));
    }
    out.push({ layer: layers[l], results: index.result() });
  }
  return out;
}
