import type { Matrix, MatmulOptions, NumericBackend, TopKOptions } from '../backend.js';

/**
 * Sizes below which the default backend answers with the pure-TypeScript reference instead
 * of an onnxruntime session run, whose fixed cost (~0.15–0.3 ms) the reference loops beat on
 * tiny inputs. Measured on the shared 2-core x86-64 build machine (node 20, onnxruntime
 * 1.23, heavily loaded, so ±2×): matmul / gram / nearest break even between 32k and 64k
 * multiply-adds (a 32³ product: ort 0.18 ms, reference 0.30 ms; 24³: 0.68 vs 0.23 ms);
 * argmin/argmax near 32k elements (the reference is one pass); top-k near 256 elements (the
 * reference sorts every row).
 */
export const SMALL_PRODUCT = 1 << 15;
export const SMALL_ARG = 1 << 15;
export const SMALL_TOPK = 1 << 8;

/**
 * A backend that sends each call to `small` or `large` by its size (thresholds above); its
 * name is `large`'s.
 * Both must agree up to float32 rounding (the ort backend is tested against the reference).
 * Internal.
 */
export function sizeDispatchBackend(large: NumericBackend, small: NumericBackend): NumericBackend {
  const pick = (work: number) => (work < SMALL_PRODUCT ? small : large);
  const size = (x: Matrix) => (x.shape.length === 2 ? x.shape[0] * x.shape[1] : Infinity);
  const pickArg = (x: Matrix) => (size(x) < SMALL_ARG ? small : large);
  return {
    name: large.name,
    matmul(a: Matrix, b: Matrix, o: MatmulOptions = {}) {
      const m = a.shape[o.transA ? 1 : 0] ?? 0;
      const k = a.shape[o.transA ? 0 : 1] ?? 0;
      const n = b.shape[o.transB ? 0 : 1] ?? 0;
      return pick(m * k * n).matmul(a, b, o);
    },
    gram(x: Matrix) {
      const [n = 0, d = 0] = x.shape;
      return pick(n * n * d).gram(x);
    },
    rowNorms: (x: Matrix) => large.rowNorms(x),
    topk: (x: Matrix, k: number, o?: TopKOptions) => (size(x) < SMALL_TOPK ? small : large).topk(x, k, o),
    argmin: (x: Matrix) => pickArg(x).argmin(x),
    argmax: (x: Matrix) => pickArg(x).argmax(x),
    nearest(x: Matrix, c: Matrix) {
      return pick((x.shape[0] ?? 0) * (c.shape[0] ?? 0) * (x.shape[1] ?? 0)).nearest(x, c);
    },
    dispose: () => large.dispose?.() ?? Promise.resolve(),
  };
}
