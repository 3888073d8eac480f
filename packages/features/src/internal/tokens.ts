import { VitValueError, ndarray, shapeText } from '@vit/io';
import type { Matrix, Tensor } from '@vit/io';
import type { Data } from 'ndarray';

/** How the `[T,D]` tokens of one image become one feature row (SPEC 8). */
export type TokenMode = 'all' | 'cls' | 'spatial' | 'mean';

export const TOKEN_MODES: readonly TokenMode[] = ['all', 'cls', 'spatial', 'mean'];

/** The per-image feature rows of one layer of one batch, located inside a float32 buffer. */
export interface RowSource {
  data: Float32Array;
  /** The layer's full `[B,T,D]` data, to find a non-finite value for the error message. */
  raw: Float32Array;
  T: number;
  D: number;
  /** The argument and layer, for messages. */
  label: string;
  /** Offset of each row (image) in `data`. */
  offsets: number[];
  /** Row length. */
  len: number;
  /** Distance between consecutive rows. */
  stride: number;
}

/** C-contiguous float32 data of a 3-D tensor (view when possible, one copy otherwise). */
export function contiguous3D(t: Tensor<Data>): Float32Array {
  const [a, b, c] = t.shape;
  const src = t.data as unknown as ArrayLike<number>;
  const [s0, s1, s2] = t.stride;
  if (src instanceof Float32Array && s2 === 1 && s1 === c && s0 === b * c) return src.subarray(t.offset, t.offset + a * b * c);
  const out = new Float32Array(a * b * c);
  let k = 0;
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) for (let l = 0; l < c; l++) out[k++] = src[t.offset + i * s0 + j * s1 + l * s2];
  return out;
}

/** Check a layer tensor `[B,T,D]` and return its rows for the token mode. */
export function rowsOf(
  t: unknown,
  mode: TokenMode,
  prefix: number,
  where: { arg: string; layer: number; fn: string },
): { rows: RowSource; shape: [number, number, number] } {
  const x = t as Tensor<Data>;
  const label = `\`${where.arg}[${where.layer - 1}]\` (layer ${where.layer}) of ${where.fn}`;
  if (!x || typeof x !== 'object' || !Array.isArray(x.shape) || x.data === undefined) {
    throw new VitValueError(`${label} must be an ndarray tensor [B,T,D]. Got ${x === null ? 'null' : typeof x}.`);
  }
  if (x.shape.length !== 3) throw new VitValueError(`${label} must have shape [B,T,D]. Got ${shapeText(x.shape)}.`);
  const [B, T, D] = x.shape;
  if ((mode === 'cls' && prefix < 1) || ((mode === 'spatial' || mode === 'mean') && T - prefix < 1) || prefix > T) {
    throw new VitValueError(
      `${label} cannot give '${mode}' tokens with prefix = ${prefix}: shape ${shapeText(x.shape)} (T = ${T}).` +
        (mode === 'cls' ? ' A model without CLS (prefix 0) has no CLS token.' : ''),
    );
  }
  const d = contiguous3D(x);
  const TD = T * D;
  const offsets = Array.from({ length: B }, (_, i) => i * TD);
  if (mode === 'all') return { rows: { data: d, raw: d, T, D, label, offsets, len: TD, stride: TD }, shape: [B, T, D] };
  if (mode === 'cls') return { rows: { data: d, raw: d, T, D, label, offsets, len: D, stride: TD }, shape: [B, T, D] };
  if (mode === 'spatial') {
    return { rows: { data: d, raw: d, T, D, label, offsets: offsets.map((o) => o + prefix * D), len: (T - prefix) * D, stride: TD }, shape: [B, T, D] };
  }
  // mean over spatial tokens, float64 accumulation
  const m = new Float32Array(B * D);
  const acc = new Float64Array(D);
  const S = T - prefix;
  for (let b = 0; b < B; b++) {
    acc.fill(0);
    for (let tkn = prefix; tkn < T; tkn++) {
      const o = b * TD + tkn * D;
      for (let j = 0; j < D; j++) acc[j] += d[o + j];
    }
    for (let j = 0; j < D; j++) m[b * D + j] = acc[j] / S;
  }
  return { rows: { data: m, raw: d, T, D, label, offsets: Array.from({ length: B }, (_, i) => i * D), len: D, stride: D }, shape: [B, T, D] };
}

/** Rows `[from, from+count)` as a (possibly strided) float32 matrix for a backend. */
export function rowsMatrix(r: RowSource, from: number, count: number): Matrix {
  return ndarray(r.data, [count, r.len], [r.stride, 1], r.offsets[from]) as unknown as Matrix;
}

/**
 * Validation at no extra pass: a row holding NaN or ±Infinity makes its Gram diagonal entry
 * non-finite, so only then are the rows scanned, to name the image and token.
 */
export function checkGramDiagonal(r: RowSource, gram: ArrayLike<number>, from: number, count: number, fn: string): void {
  for (let i = 0; i < count; i++) {
    const g = gram[i * count + i];
    if (g - g === 0) continue;
    const img = from + i;
    const o = img * r.T * r.D;
    for (let k = 0; k < r.T * r.D; k++) {
      const v = r.raw[o + k];
      if (v - v !== 0) {
        throw new VitValueError(`${r.label} must be finite. Got ${v} in image ${img} (0-based) of the batch, token ${Math.floor(k / r.D)}.`, {
          code: 'VIT_NON_FINITE',
        });
      }
    }
    throw new VitValueError(`${r.label}: the features of image ${img} (0-based) are too large for float32 (their squared norm overflows); rescale them.`, {
      code: 'VIT_NON_FINITE',
    });
  }
}
