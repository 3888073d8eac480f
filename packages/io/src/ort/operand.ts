import { VitValueError } from '../errors.js';
import type { Matrix } from '../backend.js';

/**
 * A 2-D float32 operand in one contiguous buffer. `stored` is the shape of `data` in C order;
 * `transposed` says the caller's matrix is `storedᵀ` (a column-major view, e.g. `x.transpose(1, 0)`),
 * which Gemm can consume through its transpose attribute without a copy.
 */
export interface Operand {
  data: Float32Array;
  rows: number;
  cols: number;
  transposed: boolean;
}

/** Rejects anything but a 2-D ndarray, naming the argument and the method. */
export function check2d(x: Matrix, name: string, fn: string): void {
  if (!x || typeof x !== 'object' || !Array.isArray(x.shape) || x.data === undefined) {
    throw new VitValueError(`\`${name}\` of ${fn} must be a 2-D ndarray tensor. Got ${x === null ? 'null' : typeof x}.`);
  }
  if (x.shape.length !== 2) {
    throw new VitValueError(`\`${name}\` of ${fn} must be a 2-D tensor [rows,cols]. Got shape [${x.shape.join(',')}].`);
  }
}

/**
 * The data of `x` as a C-contiguous `[rows, cols]` Float32Array: a zero-copy subarray when it
 * already is one, otherwise one copy (any strides, any numeric element type).
 */
export function rowMajor(x: Matrix, name: string, fn: string): Float32Array {
  check2d(x, name, fn);
  const [r, c] = x.shape;
  const [s0, s1] = x.stride;
  if (x.data instanceof Float32Array && (s1 === 1 || c <= 1) && (s0 === c || r <= 1)) {
    return x.data.subarray(x.offset, x.offset + r * c);
  }
  const out = new Float32Array(r * c);
  const src = x.data as unknown as ArrayLike<number>;
  let o = 0;
  for (let i = 0; i < r; i++) {
    let p = x.offset + i * s0;
    for (let j = 0; j < c; j++, p += s1) out[o++] = src[p];
  }
  return out;
}

/** Like {@link rowMajor}, but a column-major view is passed through as its transposed storage. */
export function operand(x: Matrix, name: string, fn: string): Operand {
  check2d(x, name, fn);
  const [r, c] = x.shape;
  const [s0, s1] = x.stride;
  if (x.data instanceof Float32Array && r > 1 && c > 1 && s0 === 1 && s1 === r) {
    return { data: x.data.subarray(x.offset, x.offset + r * c), rows: c, cols: r, transposed: true };
  }
  return { data: rowMajor(x, name, fn), rows: r, cols: c, transposed: false };
}
