import { VitValueError } from '@vit/io';

/**
 * Column-centre `[rows, cols]` data (means in float64) into column blocks of width
 * `blockWidth`: block `p` is a contiguous `[rows, w_p]` matrix of the centred columns
 * `[p·blockWidth, (p+1)·blockWidth)` (one block = the whole matrix), in two plain passes. Validation costs no pass of its own: a NaN or ±Infinity makes its column mean
 * non-finite (float64 sums of float32 values cannot overflow), and only then are the rows
 * scanned to name the first bad one. A constant column centres to exact zeros (n identical
 * float32 values sum exactly in float64 for n < 2²⁹, so the mean equals the value), which the
 * caller sees as a zero product norm.
 */
export function centreColumns(
  d: Float32Array,
  rows: number,
  cols: number,
  name: string,
  fn: string,
  blockWidth = cols,
): { blocks: Float32Array[]; widths: number[] } {
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
  const widths: number[] = [];
  for (let c0 = 0; c0 < cols; c0 += blockWidth) widths.push(Math.min(blockWidth, cols - c0));
  const blocks = widths.map((w) => uninitialised(rows * w));
  for (let p = 0, c0 = 0; p < widths.length; c0 += widths[p], p++) {
    const w = widths[p];
    const b = blocks[p];
    for (let i = 0; i < rows; i++) {
      const o = i * cols + c0;
      const ob = i * w;
      for (let j = 0; j < w; j++) b[ob + j] = d[o + j] - mean[c0 + j];
    }
  }
  return { blocks, widths };
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
 * One pass for the feature form of CKA: write `Z = X − 1·sᵀ` as column blocks (as
 * {@link centreColumns}) with a cheap per-column shift `s` = the mean of the first m rows
 * (m = 16, or the largest power of two ≤ rows), and return `μ_z`, the exact (float64) column
 * means of the stored `Z`. Then `XcᵀYc = ZxᵀZy − n·μ_zx·μ_zyᵀ` exactly; since `s` is already
 * close to the mean, `μ_z` is small and the float32 products lose no precision to the
 * correction (unlike correcting raw `XᵀY` when means dwarf the spread). A constant column gives
 * an exactly zero `Z` column (m is a power of two, so `s` equals the value), which the caller
 * sees as a zero product norm. Non-finite input makes a column sum non-finite; only then are
 * the rows scanned to name the first bad one.
 */
export function shiftedBlocks(
  d: Float32Array,
  rows: number,
  cols: number,
  name: string,
  fn: string,
  blockWidth: number,
): { blocks: Float32Array[]; widths: number[]; mu: Float64Array } {
  let m = 1;
  while (m * 2 <= Math.min(16, rows)) m *= 2;
  const shift = new Float64Array(cols);
  for (let i = 0; i < m; i++) for (let j = 0; j < cols; j++) shift[j] += d[i * cols + j];
  for (let j = 0; j < cols; j++) shift[j] = Math.fround(shift[j] / m);
  const widths: number[] = [];
  for (let c0 = 0; c0 < cols; c0 += blockWidth) widths.push(Math.min(blockWidth, cols - c0));
  const blocks = widths.map((w) => uninitialised(rows * w));
  const mu = new Float64Array(cols);
  for (let p = 0, c0 = 0; p < widths.length; c0 += widths[p], p++) {
    const w = widths[p];
    const b = blocks[p];
    for (let i = 0; i < rows; i++) {
      const o = i * cols + c0;
      const ob = i * w;
      for (let j = 0; j < w; j++) {
        const z = Math.fround(d[o + j] - shift[c0 + j]);
        b[ob + j] = z;
        mu[c0 + j] += z;
      }
    }
  }
  let finite = true;
  for (let j = 0; j < cols; j++) {
    mu[j] /= rows;
    if (mu[j] - mu[j] !== 0) finite = false;
  }
  if (!finite) scanNonFinite(d, rows, cols, name, fn);
  return { blocks, widths, mu };
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
