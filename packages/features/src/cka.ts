import { referenceBackend, tensor } from '@vit/io';
import type { NumericBackend } from '@vit/io';
import { centreColumns, dotAll, shiftedBlocks, sumSquares } from './internal/centre.js';
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
  let num: number;
  let xx: number;
  let yy: number;
  if (useFeature) {
    // Column blocks: the symmetric XᵀX and YᵀY need only their upper block triangle (2/3 of a
    // full product at 3 blocks); ‖YᵀX‖² sums over all block pairs. Each product of shifted
    // blocks is centred exactly by its rank-one correction n·μ_a·μ_bᵀ (see shiftedBlocks).
    const xs = shiftedBlocks(x.d, n, x.cols, 'X', fn, FEATURE_BLOCK);
    const ys = shiftedBlocks(y.d, n, y.cols, 'Y', fn, FEATURE_BLOCK);
    const starts = (w: number[]) => w.map((_, p) => p * FEATURE_BLOCK);
    const productNorm2 = async (a: typeof xs, p: number, b: typeof xs, q: number) => {
      const P = (await backend.matmul(tensor(a.blocks[p], [n, a.widths[p]]), tensor(b.blocks[q], [n, b.widths[q]]), { transA: true })).data;
      const ma = a.mu.subarray(starts(a.widths)[p], starts(a.widths)[p] + a.widths[p]);
      const mb = b.mu.subarray(starts(b.widths)[q], starts(b.widths)[q] + b.widths[q]);
      let s = 0;
      const wb = b.widths[q];
      for (let i = 0; i < ma.length; i++) {
        const ci = n * ma[i];
        for (let j = 0; j < wb; j++) {
          const v = P[i * wb + j] - ci * mb[j];
          s += v * v;
        }
      }
      return s;
    };
    const selfNorm2 = async (a: typeof xs) => {
      let s = 0;
      for (let p = 0; p < a.blocks.length; p++) for (let q = p; q < a.blocks.length; q++) s += (p === q ? 1 : 2) * (await productNorm2(a, p, a, q));
      return s;
    };
    xx = await selfNorm2(xs);
    yy = await selfNorm2(ys);
    num = 0;
    if (xx > 0 && yy > 0) for (let p = 0; p < ys.blocks.length; p++) for (let q = 0; q < xs.blocks.length; q++) num += await productNorm2(ys, p, xs, q);
  } else {
    // ‖YᵀX‖²_F = tr(XXᵀ·YYᵀ) = ⟨K, L⟩ with K, L the Gram matrices of the centred rows.
    const xc = centreColumns(x.d, n, x.cols, 'X', fn);
    const yc = centreColumns(y.d, n, y.cols, 'Y', fn);
    const K = await backend.gram(tensor(xc.blocks[0], [n, x.cols]));
    const L = await backend.gram(tensor(yc.blocks[0], [n, y.cols]));
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
