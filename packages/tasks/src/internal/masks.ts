import { VitValueError, assertTensor, shapeText } from '@vit/io';
import type { Tensor, TypedArray } from '@vit/io';
import { denseData } from './rows.js';

/** Read a 2-D label/mask tensor as a contiguous array of numbers (copied once if strided). */
export function maskData(x: unknown, name: string, fn: string, shape?: readonly number[]): { data: ArrayLike<number>; h: number; w: number } {
  assertTensor(x, { name, fn, shape: [null, null], shapeText: '[H,W]' });
  if (shape && (x.shape[0] !== shape[0] || x.shape[1] !== shape[1])) {
    throw new VitValueError(`\`${name}\` of ${fn} must be [${shape[0]},${shape[1]}] like the first mask. Got ${shapeText(x.shape)}.`, { code: 'VIT_SHAPE' });
  }
  const t = x as unknown as Tensor<TypedArray>;
  const [h, w] = t.shape;
  const n = h * w;
  const strided = t.stride[1] !== 1 || t.stride[0] !== w;
  if (!strided && ArrayBuffer.isView(t.data) && !(t.data instanceof BigInt64Array) && !(t.data instanceof BigUint64Array)) {
    return { data: (t.data as unknown as Int32Array).subarray(t.offset, t.offset + n), h, w };
  }
  if (t.data instanceof BigInt64Array || t.data instanceof BigUint64Array) {
    throw new VitValueError(`\`${name}\` of ${fn} must hold 8-32-bit integers or floats. Got a 64-bit integer array.`);
  }
  return { data: denseData(t), h, w };
}

/** `out[i] = 1` where `labels[i] === id` (or `!== 0` when `id` is null). */
export function binaryOf(labels: ArrayLike<number>, id: number | null, out: Uint8Array): Uint8Array {
  const n = out.length;
  if (id === null) for (let i = 0; i < n; i++) out[i] = labels[i] !== 0 ? 1 : 0;
  else for (let i = 0; i < n; i++) out[i] = labels[i] === id ? 1 : 0;
  return out;
}

/** IoU of two binary masks; 1 when both are empty. */
export function iou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    inter += x & y;
    union += x | y;
  }
  return union === 0 ? 1 : inter / union;
}

/**
 * DAVIS boundary map (`seg2bmap` at the mask's own size): pixel (y,x) is on the boundary when
 * it differs from its right, lower or lower-right neighbour; in the last row only the right
 * neighbour counts, in the last column only the lower one, the corner never.
 */
export function boundaryMap(m: Uint8Array, h: number, w: number, out = new Uint8Array(h * w)): Uint8Array {
  for (let y = 0; y < h; y++) {
    const o = y * w;
    const lastRow = y === h - 1;
    for (let x = 0; x < w; x++) {
      const v = m[o + x];
      const lastCol = x === w - 1;
      let b = 0;
      if (lastRow && lastCol) b = 0;
      else if (lastRow) b = v ^ m[o + x + 1];
      else if (lastCol) b = v ^ m[o + w + x];
      else b = (v ^ m[o + x + 1]) | (v ^ m[o + w + x]) | (v ^ m[o + w + x + 1]);
      out[o + x] = b;
    }
  }
  return out;
}

/** Row-wise prefix counts `[h, w+1]` of a binary map, for O(1) span queries. */
function rowPrefix(b: Uint8Array, h: number, w: number): Int32Array {
  const p = new Int32Array(h * (w + 1));
  for (let y = 0; y < h; y++) {
    let s = 0;
    const o = y * (w + 1);
    for (let x = 0; x < w; x++) {
      s += b[y * w + x];
      p[o + x + 1] = s;
    }
  }
  return p;
}

/**
 * Number of pixels of boundary `a` that lie within the disc of radius `r` (x² + y² ≤ r²) of some
 * pixel of boundary `b`, i.e. inside `b` dilated by the disc. Per pixel of `a`, one span query
 * per disc row on the prefix counts of `b`.
 */
export function countInsideDilated(a: Uint8Array, bPrefix: Int32Array, h: number, w: number, r: number): number {
  const half = new Int32Array(2 * r + 1);
  for (let dy = -r; dy <= r; dy++) half[dy + r] = Math.floor(Math.sqrt(r * r - dy * dy));
  let count = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!a[y * w + x]) continue;
      const y0 = Math.max(0, y - r);
      const y1 = Math.min(h - 1, y + r);
      for (let yy = y0; yy <= y1; yy++) {
        const hw = half[yy - y + r];
        const x0 = Math.max(0, x - hw);
        const x1 = Math.min(w - 1, x + hw);
        const o = yy * (w + 1);
        if (bPrefix[o + x1 + 1] - bPrefix[o + x0] > 0) {
          count++;
          break;
        }
      }
    }
  }
  return count;
}

/** DAVIS boundary radius for an `h×w` frame: `⌈0.008 · √(h² + w²)⌉`. */
export function boundaryRadius(h: number, w: number): number {
  return Math.ceil(0.008 * Math.sqrt(h * h + w * w));
}

/** Boundary F-measure of two binary masks (SPEC 16 / DAVIS `db_eval_boundary`). */
export function fMeasure(pred: Uint8Array, gt: Uint8Array, h: number, w: number, r: number): { F: number; precision: number; recall: number } {
  const pb = boundaryMap(pred, h, w);
  const gb = boundaryMap(gt, h, w);
  let nP = 0;
  let nG = 0;
  for (let i = 0; i < pb.length; i++) {
    nP += pb[i];
    nG += gb[i];
  }
  let precision: number;
  let recall: number;
  if (nP === 0 && nG === 0) return { F: 1, precision: 1, recall: 1 };
  if (nP === 0) {
    precision = 1;
    recall = 0;
  } else if (nG === 0) {
    precision = 0;
    recall = 1;
  } else {
    precision = countInsideDilated(pb, rowPrefix(gb, h, w), h, w, r) / nP;
    recall = countInsideDilated(gb, rowPrefix(pb, h, w), h, w, r) / nG;
  }
  const F = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { F, precision, recall };
}
