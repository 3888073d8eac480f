import { VitValueError, assertTensor } from '@vit/io';
import type { NumericBackend, Tensor, TypedArray } from '@vit/io';
import { KnnIndex } from './KnnIndex.js';
import type { KnnResult } from './KnnIndex.js';
import { checkFinite, integer, labelArray, positive } from './internal/rows.js';

export interface KnnClassifyOptions {
  /** Number of neighbours. @default 20 */
  k?: number;
  /** Vote temperature `T` (vote = `exp(s/T)`). @default 0.07 */
  temperature?: number;
  /** Number of classes; labels must lie in `[0, numClasses)`. @default 1 + the largest train label */
  numClasses?: number;
  /** True labels of the test rows `[m]`; without them `top1`/`top5` are `null`. @default undefined */
  testLabels?: ArrayLike<number>;
  /** Train rows per similarity product: memory is `m × chunkSize` floats. @default max(1024, ⌊2²⁵ / m⌋) (128 MiB of similarities) */
  chunkSize?: number;
  /** Where the similarity product and the top-k run. @default referenceBackend */
  backend?: NumericBackend;
}

/**
 * Weighted k-NN classification (SPEC 14, as in DINO): L2-normalised features, cosine
 * similarity, the `k` most similar train rows vote `exp(s/T)` for their class, the class score
 * is the sum of votes. Ties: equal similarities → lower train index first; equal class scores →
 * lower class index wins. The train set is processed in chunks of `chunkSize` rows (see
 * {@link KnnIndex} for train sets that do not fit in memory).
 *
 * @param train Train features `[n,d]` (any numeric dtype).
 * @param trainLabels Class of every train row `[n]`.
 * @param test Test features `[m,d]`.
 * @param options See {@link KnnClassifyOptions}; pass `testLabels` to get accuracies.
 * @returns `{ k, top1, top5, predictions [m], top5Predictions [m,5] }`.
 * @throws VitValueError on a label count other than `n`, `k > n`, a width mismatch, non-finite features or bad labels.
 * @example
 * const { top1, top5, predictions } = await knnClassify(train, trainLabels, test, { k: 20, testLabels });
 */
export async function knnClassify(
  train: Tensor<TypedArray>,
  trainLabels: ArrayLike<number>,
  test: Tensor<TypedArray>,
  options: KnnClassifyOptions = {},
): Promise<KnnResult> {
  const fn = 'knnClassify';
  assertTensor(train, { name: 'train', fn, shape: [null, null], shapeText: '[n,d]' });
  const [n, d] = train.shape;
  assertTensor(test, { name: 'test', fn, shape: [null, d], shapeText: `[m,${d}] (the width of \`train\`)` });
  if (options.numClasses !== undefined) integer(options.numClasses, 'numClasses', fn, 1);
  const labels = labelArray(trainLabels, n, 'trainLabels', fn, options.numClasses);
  const k = integer(options.k ?? 20, 'k', fn, 1);
  if (k > n) throw new VitValueError(`\`k\` of ${fn} must be ≤ the number of train rows (${n}). Got ${k}.`);
  positive(options.temperature ?? 0.07, 'temperature', fn);
  checkFinite(train, 'train', fn);
  checkFinite(test, 'test', fn);
  if (options.testLabels !== undefined) labelArray(options.testLabels, test.shape[0], 'testLabels', fn, options.numClasses);
  const chunk = integer(options.chunkSize ?? Math.max(1024, Math.floor(2 ** 25 / Math.max(1, test.shape[0]))), 'chunkSize', fn, 1);
  const index = new KnnIndex(test, {
    k,
    temperature: options.temperature,
    numClasses: options.numClasses,
    testLabels: options.testLabels,
    backend: options.backend,
  });
  for (let s = 0; s < n; s += chunk) {
    const e = Math.min(n, s + chunk);
    await index.add(train.hi(e, d).lo(s, 0) as Tensor<TypedArray>, labels.subarray(s, e));
  }
  return index.result()[0];
}
