import { referenceBackend, tensor } from '@vit/io';
import type { Matrix, NumericBackend } from '@vit/io';
import { centreColumns, dotAll, sumSquares } from './internal/centre.js';
import { dense2D } from './internal/dense.js';
import { checkOnUndefined, checkSameRows, undefinedCka } from './internal/validate.js';
import type { OnUndefined } from './internal/validate.js';
import { VitValueError } from '@vit/io';

/** Column-block width of the feature form (products of `[n,256]` blocks stay efficient). */
const FEATURE_BLOCK = 256;

export interface CkaOptions {
  /**
   * Where the products run (`XᵀX`, `YᵀX` or the Gram matrices). Use `ortBackend()` from
   * `@vit/runtime` for large inputs.
   * @default referenceBackend
   */
  backend?: NumericBackend;
  /**
   * Which algebraic form: `feature` uses `d×d`, `e×e`, `e×d` products, `gram` uses `n×n`
   * Gram matrices; `auto` picks `feature` when `d,e < n` (SPEC 8). Both give the same value.
   * @default 'auto'
   */
  form?: 'auto' | 'feature' | 'gram';
  /**
   * What to do when CKA is undefined (a feature matrix is constant across samples):
   * `throw` a `VitValueError` (code `VIT_CKA_UNDEFINED`) or return `NaN`.
   * @default 'throw'
   */
  onUndefined?: OnUndefined;
}

/**
 * Full-batch linear CKA (SPEC 8): `‖YᵀX‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F)` on column-centred
 * `X [n,d]`, `Y [n,e]` (the biased HSIC form). Products go through `options.backend`;
 * centring and Frobenius sums are float64 loops.
 *
 * @param X features of the first representation, `[n,d]` (rows = samples).
 * @param Y features of the second representation, `[n,e]`, same samples in the same order.
 * @returns CKA in [0,1]; 1 for `cka(X, X)`; invariant to orthogonal transforms and isotropic scaling.
 * @throws VitValueError when a tensor is not 2-D, holds NaN/Inf (names the row), the row
 * counts differ (`VIT_SAMPLE_MISMATCH`), `n < 2`, or a matrix is constant (`VIT_CKA_UNDEFINED`,
 * unless `onUndefined: 'nan'`).
 * @example
 * const s = await cka(featsA, featsB, { backend: ortBackend() });
 */
export async function cka(X: unknown, Y: unknown, options: CkaOptions = {}): Promise<number> {
  const fn = 'cka';
  const backend = options.backend ?? referenceBackend;
  const onUndefined = checkOnUndefined(options.onUndefined, fn);
  const form = options.form ?? 'auto';
  if (form !== 'auto' && form !== 'feature' && form !== 'gram') {
    throw new VitValueError(`\`form\` of cka must be 'auto', 'feature' or 'gram'. Got ${JSON.stringify(form)}.`);
  }
  const x = dense2D(X, 'X', fn, { finite: false });
  const y = dense2D(Y, 'Y', fn, { finite: false });
  checkSameRows(x.rows, y.rows, fn);
  const n = x.rows;
  if (n < 2) throw new VitValueError(`\`X\` of cka must have at least 2 rows (samples). Got ${n}.`);
  const useFeature = form === 'feature' || (form === 'auto' && x.cols < n && y.cols < n);
  // Feature form: the symmetric XᵀX and YᵀY are computed from column blocks, upper block
  // triangle only (2/3 of a full product at 3 blocks); YᵀX is one full product.
  const bw = useFeature ? FEATURE_BLOCK : Infinity;
  const xc = centreColumns(x.d, n, x.cols, 'X', fn, Math.min(bw, x.cols));
  const yc = centreColumns(y.d, n, y.cols, 'Y', fn, Math.min(bw, y.cols));
  const xb = xc.blocks.map((b, p) => tensor(b, [n, xc.widths[p]]));
  const yb = yc.blocks.map((b, p) => tensor(b, [n, yc.widths[p]]));
  let num: number;
  let xx: number;
  let yy: number;
  if (useFeature) {
    const selfNorm2 = async (B: Matrix[]) => {
      let sum = 0;
      for (let p = 0; p < B.length; p++) {
        for (let q = p; q < B.length; q++) sum += (p === q ? 1 : 2) * sumSquares((await backend.matmul(B[p], B[q], { transA: true })).data);
      }
      return sum;
    };
    xx = await selfNorm2(xb);
    yy = await selfNorm2(yb);
    num = xx > 0 && yy > 0 ? sumSquares((await backend.matmul(tensor(yc.full, [n, y.cols]), tensor(xc.full, [n, x.cols]), { transA: true })).data) : 0;
  } else {
    // ‖YᵀX‖²_F = tr(XXᵀ·YYᵀ) = ⟨K, L⟩ with K, L the Gram matrices of the centred rows.
    const K = await backend.gram(xb[0]);
    const L = await backend.gram(yb[0]);
    num = dotAll(K.data, L.data);
    xx = sumSquares(K.data);
    yy = sumSquares(L.data);
  }
  // A constant matrix centres to exact zeros, so its product norm is exactly 0.
  if (!(xx > 0)) return undefinedCka(fn, '`X` is constant', onUndefined);
  if (!(yy > 0)) return undefinedCka(fn, '`Y` is constant', onUndefined);
  const den = Math.sqrt(xx) * Math.sqrt(yy);
  return num / den;
}
