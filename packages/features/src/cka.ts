import { VitValueError, resolveBackend, tensor } from '@vit/io';
import type { Data, NumericBackend, Tensor } from '@vit/io';
import { centreColumns, dotAll, shiftedTransposed, sumSquares } from './internal/centre.js';
import { dense2D } from './internal/dense.js';
import { checkOnUndefined, checkSameRows, undefinedCka } from './internal/validate.js';
import type { OnUndefined } from './internal/validate.js';

/** Column-block width of the feature form (products of `[n,256]` blocks stay efficient). */
const FEATURE_BLOCK = 256;

export interface CkaOptions {
  /**
   * Where the products run (`XᵀX`, `YᵀX` or the Gram matrices).
   * @default the default backend of `resolveBackend` (onnxruntime when installed)
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
 * centring and Frobenius sums are float64 loops. Feature form: one pass writes the shifted,
 * transposed data; each product is centred exactly by a rank-one float64 correction, and the
 * symmetric `XᵀX`, `YᵀY` are computed as the upper triangle of 256-column blocks.
 *
 * @param X features of the first representation, `[n,d]` (rows = samples).
 * @param Y features of the second representation, `[n,e]`, same samples in the same order.
 * @returns CKA in [0,1]; 1 for `cka(X, X)`; invariant to orthogonal transforms and isotropic scaling.
 * @throws VitValueError when a tensor is not 2-D, holds NaN/Inf (names the row), the row
 * counts differ (`VIT_SAMPLE_MISMATCH`), `n < 2`, or a matrix is constant (`VIT_CKA_UNDEFINED`,
 * unless `onUndefined: 'nan'`).
 * @example
 * const s = await cka(featsA, featsB);
 */
export async function cka(X: Tensor<Data>, Y: Tensor<Data>, options: CkaOptions = {}): Promise<number> {
  const fn = 'cka';
  const backend = await resolveBackend(options.backend);
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
  let num: number;
  let xx: number;
  let yy: number;
  if (useFeature) {
    // Zᵀ layout (see shiftedTransposed): the symmetric ZᵀZ needs only its upper block
    // triangle of row blocks (2/3 of a full product at 3 blocks); YᵀX is one full product.
    // Each product is centred exactly by its rank-one correction n·μ_a·μ_bᵀ.
    const xs = shiftedTransposed(x.d, n, x.cols, 'X', fn);
    const ys = shiftedTransposed(y.d, n, y.cols, 'Y', fn);
    const rowsOfT = (z: typeof xs, from: number, to: number) => tensor(z.t.subarray(from * n, to * n), [to - from, n]);
    const productNorm2 = async (a: typeof xs, a0: number, a1: number, b: typeof xs, b0: number, b1: number) => {
      const P = (await backend.matmul(rowsOfT(a, a0, a1), rowsOfT(b, b0, b1), { transB: true })).data;
      const wb = b1 - b0;
      let s = 0;
      for (let i = 0; i < a1 - a0; i++) {
        const ci = n * a.mu[a0 + i];
        for (let j = 0; j < wb; j++) {
          const v = P[i * wb + j] - ci * b.mu[b0 + j];
          s += v * v;
        }
      }
      return s;
    };
    const selfNorm2 = async (a: typeof xs, cols: number) => {
      let s = 0;
      for (let p = 0; p < cols; p += FEATURE_BLOCK) {
        for (let q = p; q < cols; q += FEATURE_BLOCK) {
          s += (p === q ? 1 : 2) * (await productNorm2(a, p, Math.min(cols, p + FEATURE_BLOCK), a, q, Math.min(cols, q + FEATURE_BLOCK)));
        }
      }
      return s;
    };
    xx = await selfNorm2(xs, x.cols);
    yy = await selfNorm2(ys, y.cols);
    num = xx > 0 && yy > 0 ? await productNorm2(ys, 0, y.cols, xs, 0, x.cols) : 0;
  } else {
    // ‖YᵀX‖²_F = tr(XXᵀ·YYᵀ) = ⟨K, L⟩ with K, L the Gram matrices of the centred rows.
    const xc = centreColumns(x.d, n, x.cols, 'X', fn);
    const yc = centreColumns(y.d, n, y.cols, 'Y', fn);
    const K = await backend.gram(tensor(xc, [n, x.cols]));
    const L = await backend.gram(tensor(yc, [n, y.cols]));
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
