import { VitValueError } from '@vit/io';

/**
 * Column-centre `[rows, cols]` data (means in float64) in two passes, writing the centred copy
 * as column blocks of width `blockWidth`: block `p` is a contiguous `[rows, w_p]` matrix of
 * columns `[p·blockWidth, (p+1)·blockWidth)`, so products of blocks need no further copy.
 * The first pass sums and checks finiteness (naming the row). A constant column centres to
 * exact zeros: n identical float32 values sum exactly in float64 (for n < 2²⁹), so the mean
 * equals the value. `constant` is true when every centred value is zero.
 */
export function centreColumns(
  d: Float32Array,
  rows: number,
  cols: number,
  name: string,
  fn: string,
  blockWidth = cols,
): { blocks: Float32Array[]; widths: number[]; constant: boolean } {
  const mean = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    let bad = 0;
    for (let j = 0; j < cols; j++) {
      const v = d[o + j];
      mean[j] += v;
      bad += v - v; // NaN for NaN/±Infinity, 0 otherwise
    }
    if (bad !== 0) {
      let j = 0;
      while (d[o + j] - d[o + j] === 0) j++;
      throw new VitValueError(`\`${name}\` of ${fn} must be finite. Got ${d[o + j]} in row ${i} (0-based, column ${j}); remove or repair that sample.`, {
        code: 'VIT_NON_FINITE',
      });
    }
  }
  for (let j = 0; j < cols; j++) mean[j] /= rows;
  const widths: number[] = [];
  for (let c0 = 0; c0 < cols; c0 += blockWidth) widths.push(Math.min(blockWidth, cols - c0));
  const blocks = widths.map((w) => new Float32Array(rows * w));
  let nonzero = 0;
  let c0 = 0;
  widths.forEach((w, p) => {
    const b = blocks[p];
    for (let i = 0; i < rows; i++) {
      const o = i * cols + c0;
      const ob = i * w;
      for (let j = 0; j < w; j++) {
        const v = d[o + j] - mean[c0 + j];
        b[ob + j] = v;
        if (v !== 0) nonzero = 1;
      }
    }
    c0 += w;
  });
  return { blocks, widths, constant: nonzero === 0 };
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
