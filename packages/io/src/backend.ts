import type { Tensor } from './tensor.js';

/** A 2-D float32 matrix `[rows, cols]`, C-contiguous. */
export type Matrix = Tensor<Float32Array>;

export interface MatmulOptions {
  /** Use `aᵀ` instead of `a`. @default false */
  transA?: boolean;
  /** Use `bᵀ` instead of `b`. @default false */
  transB?: boolean;
}

export interface TopKOptions {
  /** Largest values first (true) or smallest first (false). @default true */
  largest?: boolean;
}

export interface TopKResult {
  /** `[rows, k]` values, sorted (ties broken by lower column index). */
  values: Matrix;
  /** `[rows, k]` column indices, row-major. */
  indices: Int32Array;
}

export interface NearestResult {
  /** For each row of `x`, the index of the nearest row of `c` (squared Euclidean; ties → lower index). */
  index: Int32Array;
  /** The squared Euclidean distance to it (clamped at 0). */
  distance: Float32Array;
}

/**
 * Where the toolkit does its matrix arithmetic. Everything that is a matrix product or
 * larger goes through a backend: the pure-TypeScript {@link referenceBackend} (small inputs,
 * tests) or the onnxruntime backend of `@vit/runtime` (fast). All inputs are float32 2-D
 * tensors; they need not be contiguous (backends copy when they must). Async because the
 * onnxruntime kernels are.
 */
export interface NumericBackend {
  readonly name: string;
  /** `op(a) · op(b)` with `op` = optional transpose. `[m,k]·[k,n] → [m,n]`. */
  matmul(a: Matrix, b: Matrix, options?: MatmulOptions): Promise<Matrix>;
  /** Gram matrix `x · xᵀ`, `[n,d] → [n,n]`. */
  gram(x: Matrix): Promise<Matrix>;
  /** Euclidean norm of every row, `[n,d] → [n]`. */
  rowNorms(x: Matrix): Promise<Float32Array>;
  /** Row-wise top-k of `x [n,m]`. */
  topk(x: Matrix, k: number, options?: TopKOptions): Promise<TopKResult>;
  /** Row-wise index of the minimum (ties → lower index), `[n,m] → [n]`. */
  argmin(x: Matrix): Promise<Int32Array>;
  /** Row-wise index of the maximum (ties → lower index), `[n,m] → [n]`. */
  argmax(x: Matrix): Promise<Int32Array>;
  /** For each row of `x [n,d]`, the nearest row of `c [k,d]` (k-means assignment step). */
  nearest(x: Matrix, c: Matrix): Promise<NearestResult>;
  /** Release native resources (cached sessions). Safe to call twice. */
  dispose?(): Promise<void>;
}
