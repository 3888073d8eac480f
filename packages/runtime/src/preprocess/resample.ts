/**
 * Separable resampling with the cubic convolution kernel, arithmetic-for-arithmetic the
 * algorithm of Pillow's `Image.resize(..., Image.BICUBIC)` (libImaging/Resample.c), which is
 * what timm and torchvision use on PIL images:
 * - kernel: Keys' cubic with `a = -0.5`, support 2;
 * - antialiased: when shrinking by `scale > 1` the kernel is stretched by `scale` (support
 *   `2·scale`), so every input pixel contributes (a box-filter-like average, no aliasing);
 * - sample centres at `(i + 0.5)·scale`, taps clipped at the border and the weights of each
 *   output pixel renormalised to sum 1 (no padding values enter);
 * - horizontal pass first, then vertical; a pass whose size does not change is skipped;
 * - uint8: weights in fixed point with 22 fractional bits, rounded and clamped to 0..255
 *   after each pass (so the intermediate image is uint8, as in Pillow);
 * - float32: float64 weights and sums, the intermediate image stored as float32 (Pillow mode 'F').
 */

const PRECISION_BITS = 22;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);
const MAX8 = 256 * ONE; // Pillow's `1 << PRECISION_BITS << 8`

export interface ResampleKernel {
  /** Cubic coefficient `a` (bicubic only). */
  a: number;
  /** Stretch the kernel when shrinking. */
  antialias: boolean;
  /** The filter. @default 'bicubic' */
  filter?: 'bicubic' | 'bilinear' | 'nearest';
  /**
   * `'pil'`: Pillow's `Image.resize` (support-scaled kernel when `antialias`, clipped and
   * renormalised border taps, NEAREST sampling at `⌊(i+½)·scale⌋`). `'torch'`: PyTorch's
   * `F.interpolate(..., align_corners=False, antialias=False)` — one-pixel-wide kernels
   * sampled at `(i+½)·scale − ½` in float32, border taps clamped (replicated), bicubic with the
   * caller's `a` (−0.75 in PyTorch), `'nearest'` at `⌊i·scale⌋` (legacy mode).
   * @default 'pil'
   */
  mode?: 'pil' | 'torch';
}

export interface Coefficients {
  /** Taps per output sample (room reserved; `len` says how many are used). */
  ksize: number;
  /** First input index of output sample `i`. */
  start: Int32Array;
  /** Number of taps of output sample `i`. */
  len: Int32Array;
  /** Normalised weights, `ksize` per output sample. */
  w: Float64Array;
  /** The same weights in Pillow's 8-bit fixed point. */
  wi: Int32Array;
}

function cubic(x: number, a: number): number {
  if (x < 0) x = -x;
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

function triangle(x: number): number {
  if (x < 0) x = -x;
  return x < 1 ? 1 - x : 0;
}

/** Fill the fixed-point twin of the float weights (Pillow's rounding). */
function fixedPoint(cf: Coefficients): Coefficients {
  const { w, wi } = cf;
  for (let i = 0; i < w.length; i++) {
    const v = w[i] * ONE;
    wi[i] = v < 0 ? Math.trunc(v - 0.5) : Math.trunc(v + 0.5);
  }
  return cf;
}

/** Pillow's NEAREST: input sample `⌊(i + ½)·scale⌋`; PyTorch's legacy nearest: `⌊i·scale⌋` in float32. */
function nearestCoefficients(inSize: number, outSize: number, torch: boolean): Coefficients {
  const start = new Int32Array(outSize);
  const len = new Int32Array(outSize).fill(1);
  const w = new Float64Array(outSize).fill(1);
  const f = Math.fround;
  const scale = inSize / outSize;
  const fscale = f(scale);
  for (let i = 0; i < outSize; i++) {
    const src = torch ? Math.floor(f(i * fscale)) : Math.floor((i + 0.5) * scale);
    start[i] = Math.min(inSize - 1, src);
  }
  return fixedPoint({ ksize: 1, start, len, w, wi: new Int32Array(outSize) });
}

/**
 * PyTorch's `upsample_{bilinear,bicubic}2d` (align_corners=False, no antialias) weights: source
 * coordinate `(i + ½)·scale − ½` in float32 (clamped at 0 for bilinear), taps clamped to the
 * border and merged into one contiguous window.
 */
function torchCoefficients(inSize: number, outSize: number, cubicA: number, bilinear: boolean): Coefficients {
  const f = Math.fround;
  const scale = f(inSize / outSize);
  const ksize = bilinear ? 2 : 4;
  const start = new Int32Array(outSize);
  const len = new Int32Array(outSize);
  const w = new Float64Array(outSize * ksize);
  for (let i = 0; i < outSize; i++) {
    let src = f(f(scale * f(i + 0.5)) - 0.5);
    if (bilinear && src < 0) src = 0;
    const i0 = Math.floor(src);
    const t = f(src - i0);
    if (bilinear) {
      // PyTorch: out = (1−t)·in[i0] + t·in[i0 + (i0 < in−1 ? 1 : 0)].
      start[i] = i0;
      if (i0 < inSize - 1) {
        len[i] = 2;
        w[i * ksize] = f(1 - t);
        w[i * ksize + 1] = t;
      } else {
        len[i] = 1;
        w[i * ksize] = f(1 - t) + t;
      }
      continue;
    }
    // Keys' cubic convolution at distances t+1, t, 1−t, 2−t.
    const a = cubicA;
    const c1 = (x: number) => ((a + 2) * x - (a + 3)) * x * x + 1;
    const c2 = (x: number) => ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
    const ws = [c2(t + 1), c1(t), c1(1 - t), c2(2 - t)];
    const idx = [i0 - 1, i0, i0 + 1, i0 + 2].map((v) => Math.min(inSize - 1, Math.max(0, v)));
    const lo = idx[0];
    const hi = idx[3];
    start[i] = lo;
    len[i] = hi - lo + 1;
    for (let k = 0; k < 4; k++) w[i * ksize + idx[k] - lo] += ws[k];
  }
  return fixedPoint({ ksize, start, len, w, wi: new Int32Array(outSize * ksize) });
}

/** Weights for resampling `inSize` samples to `outSize` (Pillow's `precompute_coeffs`, or PyTorch's, see {@link ResampleKernel}). */
export function coefficients(inSize: number, outSize: number, kernel: ResampleKernel): Coefficients {
  const filter = kernel.filter ?? 'bicubic';
  const torch = kernel.mode === 'torch';
  if (filter === 'nearest') return nearestCoefficients(inSize, outSize, torch);
  if (torch) return torchCoefficients(inSize, outSize, kernel.a, filter === 'bilinear');
  const scale = inSize / outSize;
  const filterScale = kernel.antialias ? Math.max(1, scale) : 1;
  const support = (filter === 'bilinear' ? 1 : 2) * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const len = new Int32Array(outSize);
  const w = new Float64Array(outSize * ksize);
  const wi = new Int32Array(outSize * ksize);
  const ss = 1 / filterScale;
  for (let i = 0; i < outSize; i++) {
    const center = (i + 0.5) * scale;
    // Pillow rounds with a C int cast (truncation) after adding 0.5.
    const lo = Math.max(0, Math.trunc(center - support + 0.5));
    const hi = Math.min(inSize, Math.trunc(center + support + 0.5));
    const n = hi - lo;
    const o = i * ksize;
    let sum = 0;
    for (let t = 0; t < n; t++) {
      const x = (t + lo - center + 0.5) * ss;
      const v = filter === 'bilinear' ? triangle(x) : cubic(x, kernel.a);
      w[o + t] = v;
      sum += v;
    }
    for (let t = 0; t < n; t++) {
      if (sum !== 0) w[o + t] /= sum;
      const v = w[o + t] * ONE;
      wi[o + t] = v < 0 ? Math.trunc(v - 0.5) : Math.trunc(v + 0.5);
    }
    start[i] = lo;
    len[i] = n;
  }
  return { ksize, start, len, w, wi };
}

function clip8(v: number): number {
  if (v >= MAX8) return 255;
  if (v <= 0) return 0;
  // v is an integer below 2^30 here, so the shift is an exact floor.
  return v >> PRECISION_BITS;
}

// The passes come in uint8 and float32 twins so that every typed-array access site sees one
// element type (monomorphic code is several times faster in V8). Each output sample keeps its
// own scalar accumulator with the taps innermost.

/** Horizontal pass over `rows` rows: `[rows, W, C]` → columns `[x0, x0+ow)` of `[rows, outW, C]`. */
function horizontalU8(src: Uint8Array, rowIn0: number, rows: number, W: number, C: number, x0: number, ow: number, cf: Coefficients): Uint8Array {
  const { ksize, start, len, wi } = cf;
  const out = new Uint8Array(rows * ow * C);
  for (let r = 0; r < rows; r++) {
    const rowIn = (rowIn0 + r) * W * C;
    const rowOut = r * ow * C;
    for (let x = 0; x < ow; x++) {
      const xx = x + x0;
      const n = len[xx];
      const ko = xx * ksize;
      const p = rowIn + start[xx] * C;
      if (C === 3) {
        // RGB: three accumulators over one pass of the taps (faster than the per-channel loop below).
        let a0 = HALF;
        let a1 = HALF;
        let a2 = HALF;
        for (let t = 0, q = p; t < n; t++, q += 3) {
          const k = wi[ko + t];
          a0 += src[q] * k;
          a1 += src[q + 1] * k;
          a2 += src[q + 2] * k;
        }
        const o = rowOut + x * 3;
        out[o] = clip8(a0);
        out[o + 1] = clip8(a1);
        out[o + 2] = clip8(a2);
        continue;
      }
      for (let c = 0; c < C; c++) {
        let a = HALF;
        for (let t = 0, q = p + c; t < n; t++, q += C) a += src[q] * wi[ko + t];
        out[rowOut + x * C + c] = clip8(a);
      }
    }
  }
  return out;
}

function horizontalF32(src: Float32Array, rowIn0: number, rows: number, W: number, C: number, x0: number, ow: number, cf: Coefficients): Float32Array {
  const { ksize, start, len, w } = cf;
  const out = new Float32Array(rows * ow * C);
  for (let r = 0; r < rows; r++) {
    const rowIn = (rowIn0 + r) * W * C;
    const rowOut = r * ow * C;
    for (let x = 0; x < ow; x++) {
      const xx = x + x0;
      const n = len[xx];
      const ko = xx * ksize;
      const p = rowIn + start[xx] * C;
      if (C === 3) {
        // RGB: three accumulators over one pass of the taps (faster than the per-channel loop below).
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        for (let t = 0, q = p; t < n; t++, q += 3) {
          const k = w[ko + t];
          a0 += src[q] * k;
          a1 += src[q + 1] * k;
          a2 += src[q + 2] * k;
        }
        const o = rowOut + x * 3;
        out[o] = (a0);
        out[o + 1] = (a1);
        out[o + 2] = (a2);
        continue;
      }
      for (let c = 0; c < C; c++) {
        let a = 0;
        for (let t = 0, q = p + c; t < n; t++, q += C) a += src[q] * w[ko + t];
        out[rowOut + x * C + c] = a;
      }
    }
  }
  return out;
}

/** Vertical pass: `tmp` holds input rows `[r0, …)`, each `rowLen` long; output rows `[y0, y0+oh)`. */
function verticalU8(tmp: Uint8Array, r0: number, rowLen: number, y0: number, oh: number, cf: Coefficients): Uint8Array {
  const { ksize, start, len, wi } = cf;
  const out = new Uint8Array(oh * rowLen);
  // Row-at-a-time accumulation: each tap streams over one contiguous input row.
  const acc = new Float64Array(rowLen);
  for (let y = 0; y < oh; y++) {
    const yy = y + y0;
    const base = (start[yy] - r0) * rowLen;
    const n = len[yy];
    const ko = yy * ksize;
    acc.fill(HALF);
    for (let t = 0; t < n; t++) {
      const k = wi[ko + t];
      const q = base + t * rowLen;
      for (let j = 0; j < rowLen; j++) acc[j] += tmp[q + j] * k;
    }
    const o = y * rowLen;
    for (let j = 0; j < rowLen; j++) out[o + j] = clip8(acc[j]);
  }
  return out;
}

function verticalF32(tmp: Float32Array, r0: number, rowLen: number, y0: number, oh: number, cf: Coefficients): Float32Array {
  const { ksize, start, len, w } = cf;
  const out = new Float32Array(oh * rowLen);
  // Row-at-a-time accumulation: each tap streams over one contiguous input row.
  const acc = new Float64Array(rowLen);
  for (let y = 0; y < oh; y++) {
    const yy = y + y0;
    const base = (start[yy] - r0) * rowLen;
    const n = len[yy];
    const ko = yy * ksize;
    acc.fill(0);
    for (let t = 0; t < n; t++) {
      const k = w[ko + t];
      const q = base + t * rowLen;
      for (let j = 0; j < rowLen; j++) acc[j] += tmp[q + j] * k;
    }
    const o = y * rowLen;
    for (let j = 0; j < rowLen; j++) out[o + j] = (acc[j]);
  }
  return out;
}

/**
 * Resample `src` `[H,W,C]` (C-contiguous) to `[outH,outW,C]` and return only the window of
 * output rows `[y0,y1)` and columns `[x0,x1)` (half-open), as `[y1-y0, x1-x0, C]`. Only the
 * input rows the window needs are filtered, so a centre crop costs no more than its size.
 */
export function resampleWindow<T extends Uint8Array | Float32Array>(
  src: T,
  H: number,
  W: number,
  C: number,
  outH: number,
  outW: number,
  y0: number,
  y1: number,
  x0: number,
  x1: number,
  kernel: ResampleKernel,
): T {
  const u8 = src instanceof Uint8Array;
  const ow = x1 - x0;
  const oh = y1 - y0;
  const cv = outH !== H ? coefficients(H, outH, kernel) : undefined;
  // Input rows [r0, r1) the vertical pass will read.
  let r0 = y0;
  let r1 = y1;
  if (cv && oh > 0) {
    r0 = cv.start[y0];
    r1 = 0;
    for (let y = y0; y < y1; y++) r1 = Math.max(r1, cv.start[y] + cv.len[y]);
  }
  const rows = Math.max(0, r1 - r0);

  // Horizontal pass (skipped, as in Pillow, when the width does not change) → [rows, ow, C].
  let tmp: Uint8Array | Float32Array;
  if (outW !== W) {
    const ch = coefficients(W, outW, kernel);
    tmp = u8
      ? horizontalU8(src as Uint8Array, r0, rows, W, C, x0, ow, ch)
      : horizontalF32(src as Float32Array, r0, rows, W, C, x0, ow, ch);
  } else {
    tmp = u8 ? new Uint8Array(rows * ow * C) : new Float32Array(rows * ow * C);
    for (let r = 0; r < rows; r++) {
      const from = ((r0 + r) * W + x0) * C;
      tmp.set(src.subarray(from, from + ow * C), r * ow * C);
    }
  }
  if (!cv) return tmp as T;
  return (u8 ? verticalU8(tmp as Uint8Array, r0, ow * C, y0, oh, cv) : verticalF32(tmp as Float32Array, r0, ow * C, y0, oh, cv)) as T;
}
