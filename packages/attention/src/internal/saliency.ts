import { VitValueError, shapeText, type Data, type Tensor } from '@vit/io';
import { massMask } from './view.js';

/**
 * Validates the ground-truth masks `gt [B,gh,gw]` (any numeric dtype; a token is foreground
 * when its value is > 0, e.g. a positive area fraction) and returns them as 0/1 `[B·N]`.
 */
export function gtMasks(gt: unknown, B: number, gh: number, gw: number, fn: string, name = 'gt'): Uint8Array {
  const t = gt as Tensor<Data>;
  if (!t || typeof t !== 'object' || !Array.isArray(t.shape) || !ArrayBuffer.isView(t.data)) {
    throw new VitValueError(`\`${name}\` of ${fn} must be an ndarray tensor [B,gh,gw] over a typed array. Got ${t === null ? 'null' : typeof t}.`);
  }
  const s = t.shape;
  if (s.length !== 3 || s[0] !== B || s[1] !== gh || s[2] !== gw) {
    throw new VitValueError(`\`${name}\` of ${fn} must have shape [B,gh,gw] = [${B},${gh},${gw}]. Got ${shapeText(s)}.`, { code: 'VIT_SHAPE' });
  }
  const src = t.data as unknown as ArrayLike<number | bigint>;
  const out = new Uint8Array(B * gh * gw);
  let o = 0;
  for (let b = 0; b < B; b++)
    for (let i = 0; i < gh; i++) {
      const base = t.offset + b * t.stride[0] + i * t.stride[1];
      for (let j = 0; j < gw; j++) {
        const x = Number(src[base + j * t.stride[2]]);
        if (Number.isNaN(x)) {
          throw new VitValueError(`\`${name}\` of ${fn} contains NaN at [${b},${i},${j}]. Masks must be numbers (foreground > 0).`);
        }
        out[o++] = x > 0 ? 1 : 0;
      }
    }
  return out;
}

/** |a ∧ b| / |a ∨ b| over `n` 0/1 entries starting at `aoff`/`boff`; 1 when both are empty. */
export function iou01(a: ArrayLike<number>, aoff: number, b: ArrayLike<number>, boff: number, n: number): number {
  let inter = 0;
  let uni = 0;
  for (let k = 0; k < n; k++) {
    const x = a[aoff + k] !== 0;
    const y = b[boff + k] !== 0;
    if (x && y) inter++;
    if (x || y) uni++;
  }
  return uni === 0 ? 1 : inter / uni;
}

/**
 * IoU of every head's mass mask with the image's ground truth, `iou [B·H]`, and of the
 * head-merged map (sum over heads), `merged [B]`. Images whose ground truth is empty get
 * NaN (skipped); returns how many were skipped.
 */
export function saliencyFromMaps(
  maps: Float64Array,
  gt: Uint8Array,
  B: number,
  H: number,
  N: number,
  mass: number,
  iou: Float64Array,
  merged: Float64Array,
): number {
  const mask = new Uint8Array(N);
  const scratch = new Float64Array(N);
  const sum = new Float64Array(N);
  let skipped = 0;
  for (let b = 0; b < B; b++) {
    let fg = 0;
    for (let k = 0; k < N; k++) fg += gt[b * N + k];
    if (fg === 0) {
      skipped++;
      for (let h = 0; h < H; h++) iou[b * H + h] = NaN;
      merged[b] = NaN;
      continue;
    }
    sum.fill(0);
    for (let h = 0; h < H; h++) {
      const m0 = (b * H + h) * N;
      for (let k = 0; k < N; k++) sum[k] += maps[m0 + k];
      massMask(maps, m0, N, mass, mask, scratch);
      iou[b * H + h] = iou01(mask, 0, gt, b * N, N);
    }
    massMask(sum, 0, N, mass, mask, scratch);
    merged[b] = iou01(mask, 0, gt, b * N, N);
  }
  return skipped;
}

/** Checks the `mass` option (0 < mass ≤ 1). */
export function checkMass(mass: unknown, fn: string): number {
  if (typeof mass !== 'number' || !(mass > 0 && mass <= 1)) {
    throw new VitValueError(`\`mass\` of ${fn} must be a number in (0, 1]. Got ${String(mass)}.`);
  }
  return mass;
}
