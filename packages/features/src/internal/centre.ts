import { VitValueError } from '@vit/io';

/**
 * Column-centre `[rows, cols]` data (means in float64) into a new row-major array, in two
 * plain passes. Validation costs no pass of its own: a NaN or ±Infinity makes its column mean
 * non-finite (float64 sums of float32 values cannot overflow), and only then are the rows
 * scanned to name the first bad one. A constant column centres to exact zeros (n identical
 * float32 values sum exactly in float64 for n < 2²⁹, so the mean equals the value), which the
 * caller sees as a zero product norm.
 */
export function centreColumns(d: Float32Array, rows: number, cols: number, name: string, fn: string): Float32Array {
  const mean = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) mean[j] += d[o + j];
  }
  let finite = true;
  for (let j = 0; j < cols; j++) {
    mean[j] /= rows;
    if (mean[j] - mean[j] !== 0) finite = false;
  }
  if (!finite) scanNonFinite(d, rows, cols, name, fn);
  const c = uninitialised(rows * cols);
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) c[o + j] = d[o + j] - mean[j];
  }
  return c;
}

/** A Float32Array every element of which the caller overwrites: skips the zero fill. */
function uninitialised(length: number): Float32Array {
  return new Float32Array(Buffer.allocUnsafeSlow(length * 4).buffer, 0, length);
}

/** Σ v² in float64. */
export function sumSquares(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return s;
}

/** Σ a∘b in float64. */
export function dotAll(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * One pass for the feature form of CKA: write `Zᵀ` (`[cols, rows]`, row-major) where
 * `Z = X − 1·sᵀ` with a cheap per-column shift `s` = the mean of the first m rows (m = 16, or
 * the largest power of two ≤ rows), and return `μ_z`, the exact (float64) column means of the
 * stored `Z`. Then `XcᵀYc = ZxᵀZy − n·μ_zx·μ_zyᵀ` exactly; as `s` is already close to the mean,
 * `μ_z` is small and the float32 products lose no precision to the correction (unlike
 * correcting raw `XᵀY` when means dwarf the spread). The transposed layout makes any column
 * block of `Z` a contiguous row range of `Zᵀ`, and `A·Bᵀ` products run faster in onnxruntime
 * than `AᵀB`. A constant column gives an exactly zero row (m is a power of two, so `s` equals
 * the value), which the caller sees as a zero product norm. Non-finite input makes a column sum
 * non-finite; only then are the rows scanned to name the first bad one.
 */
export function shiftedTransposed(d: Float32Array, rows: number, cols: number, name: string, fn: string): { t: Float32Array; mu: Float64Array } {
  let m = 1;
  while (m * 2 <= Math.min(16, rows)) m *= 2;
  const shift = new Float64Array(cols);
  for (let i = 0; i < m; i++) for (let j = 0; j < cols; j++) shift[j] += d[i * cols + j];
  for (let j = 0; j < cols; j++) shift[j] = Math.fround(shift[j] / m);
  const t = uninitialised(rows * cols);
  const mu = new Float64Array(cols);
  // Tiles of 32 rows: reads stay in cache and each column's writes are 32 consecutive floats.
  const TILE = 32;
  for (let i0 = 0; i0 < rows; i0 += TILE) {
    const i1 = Math.min(rows, i0 + TILE);
    for (let j = 0; j < cols; j++) {
      const sj = shift[j];
      const o = j * rows;
      let acc = 0;
      for (let i = i0; i < i1; i++) {
        const z = Math.fround(d[i * cols + j] - sj);
        t[o + i] = z;
        acc += z;
      }
      mu[j] += acc;
    }
  }
  let finite = true;
  for (let j = 0; j < cols; j++) {
    mu[j] /= rows;
    if (mu[j] - mu[j] !== 0) finite = false;
  }
  if (!finite) scanNonFinite(d, rows, cols, name, fn);
  return { t, mu };
}

function scanNonFinite(d: Float32Array, rows: number, cols: number, name: string, fn: string): void {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = d[i * cols + j];
      if (v - v !== 0) {
        throw new VitValueError(`\`${name}\` of ${fn} must be finite. Got ${v} in row ${i} (0-based, column ${j}); remove or repair that sample.`, {
          code: 'VIT_NON_FINITE',
        });
      }
    }
  }
}
