import { VitValueError, assertTensor } from '@vit/io';
import type { NumericBackend, Tensor, TypedArray } from '@vit/io';
import { KnnIndex } from './KnnIndex.js';
import { drive, rowChunks } from './internal/driver.js';
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
  /** Where the similarity product and the top-k run. @default resolveBackend() of `@vit/io` (onnxruntime when installed) */
  backend?: NumericBackend;
}

/** The outcome of k-NN classification for one `k` and one layer. */
export interface KnnResult {
  /** The neighbour count. */
  k: number;
  /** Top-1 accuracy in [0, 1], or `null` without test labels. */
  top1: number | null;
  /** Top-5 accuracy in [0, 1], or `null` without test labels. */
  top5: number | null;
  /** Predicted class of every test row `[m]`. */
  predictions: Int32Array;
  /** The 5 best classes of every test row `[m,5]` (row-major), best first; `-1` where fewer than 5 classes got votes. */
  top5Predictions: Int32Array;
}

/**
 * Weighted k-NN classification (SPEC 14, as in DINO): L2-normalised features, cosine
 * similarity, the `k` most similar train rows vote `exp(s/T)` for their class, the class score
 * is the sum of votes. Ties: equal similarities → lower train index first; equal class scores →
 * lower class index wins. The train set is processed in chunks of `chunkSize` rows by a
 * {@link KnnIndex} (use one directly for train sets that do not fit in memory).
 *
 * @param train Train features `[n,d]` (any numeric dtype).
 * @param trainLabels Class of every train row `[n]`.
 * @param test Test features `[m,d]`.
 * @param options See {@link KnnClassifyOptions}; pass `testLabels` to get accuracies.
 * @returns `{ k, top1, top5, predictions [m], top5Predictions [m,5] }`.
 * @throws VitValueError on a label count other than `n` (`VIT_SHAPE`), `k > n`, a width mismatch (`VIT_SHAPE`), non-finite features (`VIT_NON_FINITE`) or bad labels.
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
  if (k > n) throw new VitValueError(`\`k\` of ${fn} must be ≤ the number of train rows (${n}). Got ${k}.`, { code: 'VIT_K_TOO_LARGE' });
  positive(options.temperature ?? 0.07, 'temperature', fn);
  checkFinite(train, 'train', fn);
  checkFinite(test, 'test', fn);
  if (options.testLabels !== undefined) labelArray(options.testLabels, test.shape[0], 'testLabels', fn, options.numClasses);
  const index = new KnnIndex(test, { ...options, k, layers: null });
  const r = await drive(index, rowChunks([train], labels, n, index.options.chunkSize));
  const has = options.testLabels !== undefined;
  return { k, top1: has ? r.top1.data[0] : null, top5: has ? r.top5.data[0] : null, predictions: r.predictions.data, top5Predictions: r.top5Predictions.data };
}
