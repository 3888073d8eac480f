import { VitValueError, assertTensor, tensor } from '@vit/io';
import { backendOf } from './internal/backend.js';
import type { NumericBackend, Tensor, TypedArray } from '@vit/io';
import { denseData, integer, normalizeRows } from './internal/rows.js';
import { checkKeypoints } from './internal/keypoints.js';

/** A keypoint `[x, y]` in pixels of the `size×size` frame (x right, y down). */
export type Keypoint = readonly [number, number];

export interface MatchKeypointsOptions {
  /** Where the keypoint × target-token similarity product runs. @default resolveBackend() of `@vit/io` (onnxruntime when installed) */
  backend?: NumericBackend;
}

/** Bilinear (half-pixel, align_corners = false) sampling of `n` cells at pixel `p` of `N`. */
function sample(p: number, n: number, N: number): [number, number, number] {
  const s = Math.max(0, (p + 0.5) * (n / N) - 0.5);
  const a = Math.min(Math.floor(s), n - 1);
  return [a, Math.min(a + 1, n - 1), s - a];
}

/**
 * Keypoint transfer by nearest neighbour in feature space (SPEC 17). Token features of both
 * images are L2-normalised and (conceptually) upsampled bilinearly to `size×size` (half-pixel
 * centres, align_corners = false); for every source keypoint the prediction is the target pixel
 * whose upsampled feature has the highest cosine similarity with the source pixel's upsampled
 * feature (ties → first pixel in row-major order). The source feature is taken at the keypoint's
 * nearest pixel (coordinates rounded).
 *
 * The upsampled target map `[size,size,D]` is never built: bilinear upsampling is linear, so the
 * dot product at a pixel is the bilinear interpolation of the token dot products (one
 * `[K,D]·[D,hw]` product through the backend), and each pixel's norm is computed from the two
 * token rows around it. The result equals the definition up to float rounding.
 *
 * @param src Source token features `[h,w,D]`.
 * @param tgt Target token features `[h',w',D]`.
 * @param srcKps Source keypoints `[K]` of `[x, y]`, each in `[0, size)`.
 * @param size Side `S` of the (resized, padded) square frame in pixels.
 * @param options See {@link MatchKeypointsOptions}.
 * @returns Predicted target keypoints `[K]` of integer `[x, y]`.
 * @throws VitValueError when a keypoint lies outside the image, widths `D` differ, or `size` is not a positive integer.
 * @example
 * const pred = await matchKeypoints(srcFeatures, tgtFeatures, [[120, 64], [30, 200]], 224);
 */
export async function matchKeypoints(
  src: Tensor<TypedArray>,
  tgt: Tensor<TypedArray>,
  srcKps: readonly Keypoint[],
  size: number,
  options: MatchKeypointsOptions = {},
): Promise<[number, number][]> {
  const fn = 'matchKeypoints';
  assertTensor(src, { name: 'src', fn, shape: [null, null, null], shapeText: '[h,w,D]' });
  const [hs, ws, D] = src.shape;
  assertTensor(tgt, { name: 'tgt', fn, shape: [null, null, D], shapeText: `[h,w,${D}] (the width of \`src\`)` });
  const [ht, wt] = tgt.shape;
  integer(size, 'size', fn, 1);
  if (hs * ws * D === 0 || ht * wt === 0) throw new VitValueError(`\`src\` and \`tgt\` of ${fn} must not be empty. Got [${src.shape}] and [${tgt.shape}].`, { code: 'VIT_EMPTY' });
  checkKeypoints(srcKps, size, 'srcKps', fn);
  const K = srcKps.length;
  if (K === 0) return [];
  const S = normalizeRows(denseData(src), hs * ws, D, 'src', fn);
  const T = normalizeRows(denseData(tgt), ht * wt, D, 'tgt', fn);
  // Source vectors at the keypoints' pixels.
  const V = new Float32Array(K * D);
  for (let k = 0; k < K; k++) {
    const px = Math.min(size - 1, Math.round(srcKps[k][0]));
    const py = Math.min(size - 1, Math.round(srcKps[k][1]));
    const [y0, y1, fy] = sample(py, hs, size);
    const [x0, x1, fx] = sample(px, ws, size);
    const w = [(1 - fy) * (1 - fx), (1 - fy) * fx, fy * (1 - fx), fy * fx];
    const t = [y0 * ws + x0, y0 * ws + x1, y1 * ws + x0, y1 * ws + x1];
    for (let q = 0; q < 4; q++) {
      const o = t[q] * D;
      for (let d = 0; d < D; d++) V[k * D + d] += w[q] * S[o + d];
    }
  }
  const backend = await backendOf(options.backend);
  const G = (await backend.matmul(tensor(V, [K, D]), tensor(T, [ht * wt, D]), { transB: true })).data;
  const norms = pixelNorms(T, ht, wt, D, size);
  const xs = Array.from({ length: size }, (_, x) => sample(x, wt, size));
  const best = new Float64Array(K).fill(-Infinity);
  const arg = new Int32Array(K);
  for (let y = 0; y < size; y++) {
    const [y0, y1, fy] = sample(y, ht, size);
    for (let x = 0; x < size; x++) {
      const [x0, x1, fx] = xs[x];
      const nrm = norms[y * size + x];
      if (nrm === 0) continue;
      const a = y0 * wt;
      const b = y1 * wt;
      for (let k = 0; k < K; k++) {
        const g = k * ht * wt;
        const top = G[g + a + x0] * (1 - fx) + G[g + a + x1] * fx;
        const bot = G[g + b + x0] * (1 - fx) + G[g + b + x1] * fx;
        const s = (top * (1 - fy) + bot * fy) / nrm;
        if (s > best[k]) {
          best[k] = s;
          arg[k] = y * size + x;
        }
      }
    }
  }
  return Array.from(arg, (p) => [p % size, Math.floor(p / size)] as [number, number]);
}

/** Norm of every upsampled target pixel `[size*size]`, from the two token rows around each pixel row. */
function pixelNorms(T: Float32Array, h: number, w: number, D: number, size: number): Float64Array {
  const out = new Float64Array(size * size);
  const U = new Float64Array(w * D);
  const sq = new Float64Array(w);
  const nx = new Float64Array(w);
  const xs = Array.from({ length: size }, (_, x) => sample(x, w, size));
  for (let y = 0; y < size; y++) {
    const [y0, y1, fy] = sample(y, h, size);
    for (let j = 0; j < w; j++) {
      const a = (y0 * w + j) * D;
      const b = (y1 * w + j) * D;
      for (let d = 0; d < D; d++) U[j * D + d] = T[a + d] * (1 - fy) + T[b + d] * fy;
    }
    for (let j = 0; j < w; j++) {
      let s = 0;
      let c = 0;
      for (let d = 0; d < D; d++) {
        const u = U[j * D + d];
        s += u * u;
        if (j + 1 < w) c += u * U[(j + 1) * D + d];
      }
      sq[j] = s;
      nx[j] = c;
    }
    for (let x = 0; x < size; x++) {
      const [x0, x1, fx] = xs[x];
      const cross = x0 === x1 ? sq[x0] : nx[x0];
      const v = (1 - fx) * (1 - fx) * sq[x0] + 2 * fx * (1 - fx) * cross + fx * fx * sq[x1];
      out[y * size + x] = Math.sqrt(Math.max(0, v));
    }
  }
  return out;
}

