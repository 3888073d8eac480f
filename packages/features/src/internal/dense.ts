import { VitValueError, shapeText, tensor } from '@vit/io';
import type { Matrix, Tensor } from '@vit/io';
import type { Data } from 'ndarray';

export interface Dense2D {
  /** C-contiguous `[rows*cols]` view or copy. */
  d: Float32Array;
  rows: number;
  cols: number;
}

/**
 * Validate a 2-D float tensor and return its data C-contiguous (a view when already so,
 * one copy otherwise). Non-finite values throw naming the row, as the issue asks.
 */
export function dense2D(x: unknown, name: string, fn: string, opts: { finite?: boolean } = {}): Dense2D {
  const t = x as Tensor<Data>;
  if (!t || typeof t !== 'object' || !Array.isArray(t.shape) || t.data === undefined) {
    throw new VitValueError(`\`${name}\` of ${fn} must be a 2-D ndarray tensor [n,d]. Got ${x === null ? 'null' : typeof x}.`);
  }
  if (t.shape.length !== 2) {
    throw new VitValueError(`\`${name}\` of ${fn} must have shape [n,d]. Got ${shapeText(t.shape)}.`);
  }
  const [rows, cols] = t.shape;
  const src = t.data as unknown as ArrayLike<number>;
  let d: Float32Array;
  if (src instanceof Float32Array && t.stride[1] === 1 && (t.stride[0] === cols || rows <= 1)) {
    d = src.subarray(t.offset, t.offset + rows * cols);
  } else {
    d = new Float32Array(rows * cols);
    const [s0, s1] = t.stride;
    for (let i = 0; i < rows; i++) {
      const o = t.offset + i * s0;
      for (let j = 0; j < cols; j++) d[i * cols + j] = src[o + j * s1];
    }
  }
  if (opts.finite !== false) assertFiniteRows(d, rows, cols, name, fn);
  return { d, rows, cols };
}

/** Throws naming the first row (1 value) that holds NaN or ±Infinity. */
export function assertFiniteRows(d: Float32Array, rows: number, cols: number, name: string, fn: string): void {
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) {
      const v = d[o + j];
      // v - v is NaN exactly for NaN and ±Infinity: one cheap test per element.
      if (v - v !== 0) {
        throw new VitValueError(
          `\`${name}\` of ${fn} must be finite. Got ${v} in row ${i} (0-based, column ${j}); remove or repair that sample.`,
          { code: 'VIT_NON_FINITE' },
        );
      }
    }
  }
}

export function asMatrix(d: Float32Array, rows: number, cols: number): Matrix {
  return tensor(d, [rows, cols]);
}
