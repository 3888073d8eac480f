import { VitValueError } from '@vit/io';

/**
 * Column-centre `[rows, cols]` data (means in float64) into a row-major copy `full`, plus its
 * column blocks of width `blockWidth` when that is narrower than `cols` (block `p` is a
 * contiguous `[rows, w_p]` copy of columns `[p·blockWidth, (p+1)·blockWidth)`), in two plain
 * passes. Validation costs no pass of its own: a NaN or ±Infinity makes its column mean
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
): { full: Float32Array; blocks: Float32Array[]; widths: number[] } {
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
  if (!finite) {
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
  const widths: number[] = [];
  for (let c0 = 0; c0 < cols; c0 += blockWidth) widths.push(Math.min(blockWidth, cols - c0));
  const full = new Float32Array(rows * cols);
  const blocks = widths.length === 1 ? [full] : widths.map((w) => new Float32Array(rows * w));
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    for (let j = 0; j < cols; j++) full[o + j] = d[o + j] - mean[j];
    if (blocks.length > 1) {
      for (let p = 0, c0 = 0; p < widths.length; c0 += widths[p], p++) blocks[p].set(full.subarray(o + c0, o + c0 + widths[p]), i * widths[p]);
    }
  }
  return { full, blocks, widths };
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
