import { VitValueError, assertTensor, shapeText, tensor } from '@vit/io';
import { backendOf } from './backend.js';
import type { NumericBackend, Tensor, TypedArray } from '@vit/io';
import { denseData, integer, normalizeRows, positive } from './rows.js';
import type { PropagateLabelsOptions } from '../propagateLabels.js';

/** Resolved options of label propagation (see `PropagateLabelsOptions`). */
export interface PropagatorSettings {
  contextFrames: number;
  temperature: number;
  neighborhood: number;
  k: number;
  reference: boolean;
  /** The backend named in the options, resolved once on the first product (shared by every propagator made with these settings). */
  backend: () => Promise<NumericBackend>;
}

/** Bilinear (half-pixel, align_corners = false) sampling table from `n` cells to `N` pixels. */
function axisTable(n: number, N: number): { i0: Int32Array; i1: Int32Array; f: Float32Array } {
  const i0 = new Int32Array(N);
  const i1 = new Int32Array(N);
  const f = new Float32Array(N);
  const scale = n / N;
  for (let p = 0; p < N; p++) {
    const s = Math.max(0, (p + 0.5) * scale - 0.5);
    const a = Math.min(Math.floor(s), n - 1);
    i0[p] = a;
    i1[p] = Math.min(a + 1, n - 1);
    f[p] = s - a;
  }
  return { i0, i1, f };
}

/**
 * Upsample soft labels `[h,w,C]` bilinearly to `[H,W]` and take the argmax over `C` (ties → lower
 * label). With `reference`, every channel of the upsampled map is first min-max scaled to [0,1]
 * when its maximum is > 0 (DINO's `norm_mask`).
 */
export function upsampleArgmax(soft: Float32Array, h: number, w: number, C: number, H: number, W: number, reference: boolean): Int32Array {
  const ty = axisTable(h, H);
  const tx = axisTable(w, W);
  const out = new Int32Array(H * W);
  const row = new Float32Array(w * C);
  // One output row at a time: blend the two token rows, then interpolate along x.
  const pass = (visit: (y: number, x: number, c: number, z: number) => void) => {
    for (let y = 0; y < H; y++) {
      const a = ty.i0[y] * w * C;
      const b = ty.i1[y] * w * C;
      const fy = ty.f[y];
      for (let q = 0; q < w * C; q++) row[q] = soft[a + q] * (1 - fy) + soft[b + q] * fy;
      for (let x = 0; x < W; x++) {
        const x0 = tx.i0[x] * C;
        const x1 = tx.i1[x] * C;
        const fx = tx.f[x];
        for (let c = 0; c < C; c++) visit(y, x, c, row[x0 + c] * (1 - fx) + row[x1 + c] * fx);
      }
    }
  };
  const lo = new Float32Array(C);
  const scale = new Float32Array(C).fill(1);
  if (reference) {
    lo.fill(Infinity);
    const hi = new Float32Array(C).fill(-Infinity);
    pass((_y, _x, c, z) => {
      if (z < lo[c]) lo[c] = z;
      if (z > hi[c]) hi[c] = z;
    });
    for (let c = 0; c < C; c++) {
      if (hi[c] > 0 && hi[c] > lo[c]) scale[c] = 1 / (hi[c] - lo[c]);
      else if (hi[c] > 0) scale[c] = 0; // a constant positive channel becomes 0 (DINO would divide 0 by 0)
      else lo[c] = 0;
    }
  }
  let bv = -Infinity;
  pass((y, x, c, z) => {
    const v = reference ? (z - lo[c]) * scale[c] : z;
    if (c === 0 || v > bv) {
      bv = v;
      out[y * W + x] = c;
    }
  });
  return out;
}

/**
 * One video's label propagation state (SPEC 16, DINO's protocol): the first frame's features
 * and token-level one-hot labels, plus a ring of the last `contextFrames` frames' features and
 * soft labels.
 */
export class LabelPropagator {
  readonly H: number;
  readonly W: number;
  readonly C: number;
  private h = 0;
  private w = 0;
  private D = 0;
  private ctxFeat: Float32Array = new Float32Array(0);
  private ctxSoft: Float32Array = new Float32Array(0);
  private count = 0;
  private next = 0;
  private frames = 0;
  private readonly firstLabels: Int32Array;

  constructor(
    firstMask: ArrayLike<number>,
    H: number,
    W: number,
    readonly settings: PropagatorSettings,
    readonly fn: string,
  ) {
    this.H = H;
    this.W = W;
    let max = 0;
    const labels = new Int32Array(H * W);
    for (let i = 0; i < H * W; i++) {
      const v = firstMask[i];
      if (!Number.isInteger(v) || v < 0) {
        throw new VitValueError(`\`firstMask\` of ${fn} must hold integer labels ≥ 0. Got ${v} at [${Math.floor(i / W)},${i % W}].`);
      }
      labels[i] = v;
      if (v > max) max = v;
    }
    if (max === 0) throw new VitValueError(`\`firstMask\` of ${fn} must contain at least one object (a label > 0). Got an empty mask.`, { code: 'VIT_EMPTY_MASK' });
    this.C = max + 1;
    this.firstLabels = labels;
  }

  /** Frames seen so far. */
  get seen(): number {
    return this.frames;
  }

  /** Feed the next frame's features `[h,w,D]`; returns its label map `[H*W]` and soft labels `[h*w*C]`. */
  async step(features: Tensor<TypedArray>, name: string): Promise<{ labels: Int32Array; soft: Float32Array }> {
    const fn = this.fn;
    if (this.frames === 0) {
      assertTensor(features, { name, fn, shape: [null, null, null], shapeText: '[h,w,D]' });
      [this.h, this.w, this.D] = features.shape;
      if (this.h * this.w * this.D === 0) throw new VitValueError(`\`${name}\` of ${fn} must not be empty. Got ${shapeText(features.shape)}.`, { code: 'VIT_EMPTY' });
    } else {
      assertTensor(features, { name, fn, shape: [this.h, this.w, this.D], shapeText: `[${this.h},${this.w},${this.D}] (the shape of frame 0)` });
    }
    const { h, w, D, C } = this;
    const hw = h * w;
    const f = normalizeRows(denseData(features), hw, D, name, fn);
    if (this.frames === 0) {
      const slots = 1 + this.settings.contextFrames;
      this.ctxFeat = new Float32Array(slots * hw * D);
      this.ctxSoft = new Float32Array(slots * hw * C);
      this.ctxFeat.set(f, 0);
      // Token labels: nearest pixel to each token centre (PIL NEAREST), as one-hot soft labels.
      for (let i = 0; i < h; i++) {
        const y = Math.min(this.H - 1, Math.floor(((i + 0.5) * this.H) / h));
        for (let j = 0; j < w; j++) {
          const x = Math.min(this.W - 1, Math.floor(((j + 0.5) * this.W) / w));
          this.ctxSoft[(i * w + j) * C + this.firstLabels[y * this.W + x]] = 1;
        }
      }
      this.frames = 1;
      return { labels: this.firstLabels.slice(), soft: this.ctxSoft.slice(0, hw * C) };
    }
    const nc = 1 + this.count;
    const { k: topk, temperature, neighborhood, reference, contextFrames } = this.settings;
    const backend = await this.settings.backend();
    const sims = await backend.matmul(tensor(f, [hw, D]), tensor(this.ctxFeat.subarray(0, nc * hw * D), [nc * hw, D]), { transB: true });
    const S = sims.data;
    const cols = nc * hw;
    const soft = new Float32Array(hw * C);
    const K = Math.min(topk, cols);
    const tv = new Float64Array(K);
    const ti = new Int32Array(K);
    const R = neighborhood;
    for (let i = 0; i < h; i++) {
      const r0 = Math.max(0, i - R);
      const r1 = Math.min(h - 1, i + R);
      for (let j = 0; j < w; j++) {
        const c0 = Math.max(0, j - R);
        const c1 = Math.min(w - 1, j + R);
        const t = i * w + j;
        const row = t * cols;
        let filled = 0;
        // Top-K over the window of every context frame; scan order (frame, row, col); a later
        // candidate replaces only a strictly smaller value, so ties keep the earlier one.
        for (let c = 0; c < nc; c++) {
          for (let y = r0; y <= r1; y++) {
            const base = row + c * hw + y * w;
            for (let x = c0; x <= c1; x++) {
              const v = S[base + x];
              if (filled < K) {
                let p = filled++;
                while (p > 0 && tv[p - 1] < v) {
                  tv[p] = tv[p - 1];
                  ti[p] = ti[p - 1];
                  p--;
                }
                tv[p] = v;
                ti[p] = c * hw + y * w + x;
              } else if (v > tv[K - 1]) {
                let p = K - 1;
                while (p > 0 && tv[p - 1] < v) {
                  tv[p] = tv[p - 1];
                  ti[p] = ti[p - 1];
                  p--;
                }
                tv[p] = v;
                ti[p] = c * hw + y * w + x;
              }
            }
          }
        }
        // Affinity exp(s/T), normalised over the kept neighbours (shifted by the max for range).
        let z = 0;
        for (let q = 0; q < filled; q++) z += Math.exp((tv[q] - tv[0]) / temperature);
        const o = t * C;
        for (let q = 0; q < filled; q++) {
          const wq = Math.exp((tv[q] - tv[0]) / temperature) / z;
          const src = ti[q] * C;
          for (let c = 0; c < C; c++) soft[o + c] += wq * this.ctxSoft[src + c];
        }
      }
    }
    const labels = upsampleArgmax(soft, h, w, C, this.H, this.W, reference);
    if (contextFrames > 0) {
      const slot = 1 + this.next;
      this.ctxFeat.set(f, slot * hw * D);
      this.ctxSoft.set(soft, slot * hw * C);
      this.next = (this.next + 1) % contextFrames;
      this.count = Math.min(contextFrames, this.count + 1);
    }
    this.frames++;
    return { labels, soft };
  }
}

/** Check and fill in the options of label propagation. */
export function propagatorSettings(options: PropagateLabelsOptions, fn: string): PropagatorSettings {
  const nb = options.neighborhood ?? 12;
  if (nb !== Infinity) integer(nb, 'neighborhood', fn, 0);
  let resolved: Promise<NumericBackend> | undefined;
  return {
    contextFrames: integer(options.contextFrames ?? 7, 'contextFrames', fn, 0),
    temperature: positive(options.temperature ?? 0.1, 'temperature', fn),
    neighborhood: nb === Infinity ? Number.MAX_SAFE_INTEGER : nb,
    k: integer(options.k ?? 5, 'k', fn, 1),
    reference: options.reference ?? false,
    backend: () => (resolved ??= backendOf(options.backend)),
  };
}

