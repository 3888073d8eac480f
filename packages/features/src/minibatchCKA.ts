import { VitValueError, resolveBackend, tensor } from '@vit/io';
import type { Data, NumericBackend, Tensor } from '@vit/io';
import { dense2D } from './internal/dense.js';
import { addMinibatch, ckaFromSums, emptySums, prepareKernel } from './internal/hsic.js';
import { checkInt, checkOnUndefined, checkSameRows, undefinedCka } from './internal/validate.js';
import type { OnUndefined } from './internal/validate.js';

export interface MinibatchCkaOptions {
  /**
   * Rows per minibatch (consecutive rows `[b·size, (b+1)·size)`). The paper used 8. At least 4,
   * because HSIC₁ divides by `n(n−3)`. A final partial batch of fewer rows is **dropped**.
   * @default 8
   */
  batchSize?: number;
  /**
   * Rescale every minibatch kernel `K` to [0,1] by its min and max (over all entries, before
   * the diagonal is zeroed), as the paper's public code did. It changes the weighting of batches.
   * @default false
   */
  reference?: boolean;
  /**
   * Where the per-batch Gram matrices `XXᵀ` run.
   * @default the default backend of `resolveBackend` (onnxruntime when installed)
   */
  backend?: NumericBackend;
  /**
   * When CKA is undefined (a representation is constant, so mean HSIC₁(K,K) is zero):
   * `throw` (code `VIT_CKA_UNDEFINED`) or return `NaN`.
   * @default 'throw'
   */
  onUndefined?: OnUndefined;
}

/**
 * Minibatch linear CKA, the paper's estimator (SPEC 8): for each batch of consecutive rows,
 * `K = XXᵀ`, `L = YYᵀ` with zero diagonals and
 * `HSIC₁(K,L) = [tr(KL) + (1ᵀK1)(1ᵀL1)/((n−1)(n−2)) − (2/(n−2))·1ᵀKL1] / (n(n−3))`;
 * `CKA = mean_b HSIC₁(K,L) / sqrt(mean_b HSIC₁(K,K) · mean_b HSIC₁(L,L))`.
 * Rows are not centred (the unbiased estimator does not need it). The last
 * `n mod batchSize` rows are dropped.
 *
 * @param X `[n,d]` features (rows = samples).
 * @param Y `[n,e]` features of the same samples in the same order.
 * @returns the CKA estimate (may leave [0,1] slightly: HSIC₁ is unbiased, not positive).
 * @throws VitValueError on bad shapes, NaN/Inf (naming the row), different row counts,
 * `batchSize < 4` or `> n`, or a constant representation (unless `onUndefined: 'nan'`).
 * @example
 * const s = await minibatchCKA(X, Y, { batchSize: 8 });
 */
export async function minibatchCKA(X: Tensor<Data>, Y: Tensor<Data>, options: MinibatchCkaOptions = {}): Promise<number> {
  const fn = 'minibatchCKA';
  const backend = await resolveBackend(options.backend);
  const reference = options.reference ?? false;
  const onUndefined = checkOnUndefined(options.onUndefined, fn);
  const x = dense2D(X, 'X', fn);
  const y = dense2D(Y, 'Y', fn);
  checkSameRows(x.rows, y.rows, fn);
  const n = x.rows;
  const bs = checkInt(options.batchSize ?? 8, 'batchSize', fn, 4, Math.max(4, n));
  if (bs > n) throw new VitValueError(`\`X\` of minibatchCKA must have at least batchSize = ${bs} rows. Got ${n}.`);
  if (constantRows(x.d, n, x.cols)) return undefinedCka(fn, '`X` is constant', onUndefined);
  if (constantRows(y.d, n, y.cols)) return undefinedCka(fn, '`Y` is constant', onUndefined);
  const sums = emptySums(1, 1);
  const nb = Math.floor(n / bs);
  for (let b = 0; b < nb; b++) {
    const xb = tensor(x.d.subarray(b * bs * x.cols, (b + 1) * bs * x.cols), [bs, x.cols]);
    const yb = tensor(y.d.subarray(b * bs * y.cols, (b + 1) * bs * y.cols), [bs, y.cols]);
    const K = prepareKernel((await backend.gram(xb)).data, bs, reference);
    const L = prepareKernel((await backend.gram(yb)).data, bs, reference);
    addMinibatch(sums, [K], [L]);
  }
  const { values, badA, badB } = ckaFromSums(sums);
  if (badA.length) return undefinedCka(fn, 'mean HSIC₁(K,K) of `X` is not positive', onUndefined);
  if (badB.length) return undefinedCka(fn, 'mean HSIC₁(L,L) of `Y` is not positive', onUndefined);
  return values[0];
}

function constantRows(d: Float32Array, rows: number, cols: number): boolean {
  for (let i = 1; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) if (d[o + j] !== d[j]) return false;
  }
  return true;
}
