import { referenceBackend, tensor } from '@vit/io';
import type { Matrix, NumericBackend } from '@vit/io';
import { centreColumns, dotAll, sumSquares } from './internal/centre.js';
import { dense2D } from './internal/dense.js';
import { checkOnUndefined, checkSameRows, undefinedCka } from './internal/validate.js';
import type { OnUndefined } from './internal/validate.js';
import { VitValueError } from '@vit/io';

/** Column-block width of the feature form (products of `[n,192]` blocks stay efficient). */
const FEATURE_BLOCK = 192;

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
  // Feature form: centred copies are written as column blocks so that the symmetric XᵀX and
  // YᵀY cost only their upper block triangle (≈ 5/8 of a full product at 4 blocks).
  const bw = useFeature ? FEATURE_BLOCK : Infinity;
  const xc = centreColumns(x.d, n, x.cols, 'X', fn, Math.min(bw, x.cols));
  const yc = centreColumns(y.d, n, y.cols, 'Y', fn, Math.min(bw, y.cols));
  if (xc.constant) return undefinedCka(fn, '`X` is constant', onUndefined);
  if (yc.constant) return undefinedCka(fn, '`Y` is constant', onUndefined);
  const xb = xc.blocks.map((b, p) => tensor(b, [n, xc.widths[p]]));
  const yb = yc.blocks.map((b, p) => tensor(b, [n, yc.widths[p]]));
  let num: number;
  let den: number;
  if (useFeature) {
    const selfNorm2 = async (B: Matrix[]) => {
      let s = 0;
      for (let p = 0; p < B.length; p++) {
        for (let q = p; q < B.length; q++) s += (p === q ? 1 : 2) * sumSquares((await backend.matmul(B[p], B[q], { transA: true })).data);
      }
      return s;
    };
    num = 0;
    for (const Yp of yb) for (const Xq of xb) num += sumSquares((await backend.matmul(Yp, Xq, { transA: true })).data);
    den = Math.sqrt(await selfNorm2(xb)) * Math.sqrt(await selfNorm2(yb));
  } else {
    // ‖YᵀX‖²_F = tr(XXᵀ·YYᵀ) = ⟨K, L⟩ with K, L the Gram matrices of the centred rows.
    const K = await backend.gram(xb[0]);
    const L = await backend.gram(yb[0]);
    num = dotAll(K.data, L.data);
    den = Math.sqrt(sumSquares(K.data)) * Math.sqrt(sumSquares(L.data));
  }
  if (!(den > 0)) return undefinedCka(fn, 'a centred feature matrix is numerically zero', onUndefined);
  return num / den;
}
