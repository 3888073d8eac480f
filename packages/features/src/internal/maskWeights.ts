import { VitValueError, shapeText } from '@vit/io';
import type { Tensor } from '@vit/io';
import type { Data } from 'ndarray';

/**
 * Token weights `[gh*gw]` of a binary mask `[H,W]` (non-zero = inside): the area fraction of
 * the mask inside each token's pixel footprint, normalised to sum 1. Token `(i,j)` covers the
 * real interval `[i·H/gh, (i+1)·H/gh) × [j·W/gw, (j+1)·W/gw)` and pixel `(y,x)` covers
 * `[y,y+1) × [x,x+1)`; a pixel straddling two tokens counts for each by its overlap. Computed in
 * integer units (coordinates scaled by gh, gw), so the weights are exact up to the final division.
 * Returns `null` for an empty mask.
 */
export function maskWeights(mask: unknown, gh: number, gw: number, fn: string): Float64Array | null {
  const m = mask as Tensor<Data>;
  if (!m || typeof m !== 'object' || !Array.isArray(m.shape) || m.data === undefined || m.shape.length !== 2) {
    throw new VitValueError(`\`mask\` of ${fn} must be a 2-D ndarray [H,W]. Got ${m && Array.isArray(m.shape) ? shapeText(m.shape) : typeof mask}.`);
  }
  const [H, W] = m.shape;
  if (H < 1 || W < 1) throw new VitValueError(`\`mask\` of ${fn} must be non-empty. Got ${shapeText(m.shape)}.`);
  const src = m.data as unknown as ArrayLike<number>;
  const [s0, s1] = m.stride;
  // Per pixel column x: the token columns it overlaps and by how much (in units of 1/gw pixel).
  const spans = (pixels: number, tokens: number) => {
    const first = new Int32Array(pixels);
    const parts: number[][] = [];
    for (let x = 0; x < pixels; x++) {
      const a = x * tokens;
      const b = (x + 1) * tokens;
      const j0 = Math.floor(a / pixels);
      const j1 = Math.ceil(b / pixels) - 1;
      first[x] = j0;
      const ov: number[] = [];
      for (let j = j0; j <= j1; j++) ov.push(Math.min(b, (j + 1) * pixels) - Math.max(a, j * pixels));
      parts.push(ov);
    }
    return { first, parts };
  };
  const cols = spans(W, gw);
  const rows = spans(H, gh);
  const w = new Float64Array(gh * gw);
  const rowMass = new Float64Array(gw);
  let total = 0;
  for (let y = 0; y < H; y++) {
    rowMass.fill(0);
    let any = false;
    const o = m.offset + y * s0;
    for (let x = 0; x < W; x++) {
      if (src[o + x * s1] === 0) continue;
      any = true;
      const f = cols.first[x];
      const ov = cols.parts[x];
      for (let q = 0; q < ov.length; q++) rowMass[f + q] += ov[q];
    }
    if (!any) continue;
    const f = rows.first[y];
    const ov = rows.parts[y];
    for (let q = 0; q < ov.length; q++) {
      for (let j = 0; j < gw; j++) {
        const v = rowMass[j] * ov[q];
        w[(f + q) * gw + j] += v;
        total += v;
      }
    }
  }
  if (total === 0) return null;
  for (let i = 0; i < w.length; i++) w[i] /= total;
  return w;
}

/** `Σ_t w[t]·tokens[t,:]` for tokens `[gh,gw,D]` (float64 accumulation). */
export function poolTokens(tokens: Tensor<Data>, w: Float64Array): Float32Array {
  const [gh, gw, D] = tokens.shape;
  const src = tokens.data as unknown as ArrayLike<number>;
  const [s0, s1, s2] = tokens.stride;
  const acc = new Float64Array(D);
  for (let i = 0; i < gh; i++) {
    for (let j = 0; j < gw; j++) {
      const wt = w[i * gw + j];
      if (wt === 0) continue;
      const o = tokens.offset + i * s0 + j * s1;
      for (let d = 0; d < D; d++) acc[d] += wt * src[o + d * s2];
    }
  }
  return Float32Array.from(acc);
}

/** `Σ_t w[t]·data[offset + t·D + :]` for `n` C-contiguous tokens of width `D` (float64 accumulation). */
export function poolTokensFlat(data: Float32Array, offset: number, n: number, D: number, w: Float64Array): Float32Array {
  const acc = new Float64Array(D);
  for (let t = 0; t < n; t++) {
    const wt = w[t];
    if (wt === 0) continue;
    const o = offset + t * D;
    for (let d = 0; d < D; d++) acc[d] += wt * data[o + d];
  }
  return Float32Array.from(acc);
}
