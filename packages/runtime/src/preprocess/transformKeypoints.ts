import { VitValueError, tensor } from '@vit/io';
import type { Tensor } from '@vit/io';
import { cropWindow, geometry } from './transform.js';
import type { TransformGeometryOptions } from './transform.js';
import { patchGrid } from './patchGrid.js';

/** Options of {@link transformKeypoints}. */
export interface TransformKeypointsOptions extends TransformGeometryOptions {
  /** Patch size `p` of the model. @default 16 */
  patch?: number;
}

/** Keypoints as the model saw their image. */
export interface TransformedKeypoints {
  /** `(x, y)` per point in the cropped input's pixels (integer = pixel centre, as given), `[N,2]` float32. */
  points: Tensor<Float32Array>;
  /** Per point: its spatial token, row-major `row·gw + col` (add the prefix `P` for a token index of `[B,T,D]`), −1 when cropped away. */
  tokens: Int32Array;
  /** Per point: 1 when it lies inside the crop. */
  inside: Uint8Array;
  /** The token grid `[gh, gw]`. */
  grid: [number, number];
}

/**
 * Map keypoints through the same Resize → CenterCrop that {@link preprocess} applies to their
 * image, and onto the token grid. Coordinates are in pixels with integers at pixel centres (as
 * SPair-71k and COCO annotate): `x' = (x + ½)·rw/W − ½ − left`, likewise `y`; the token is
 * `⌊(y' + ½)/p⌋·gw + ⌊(x' + ½)/p⌋` — the token holding the pixel the point falls in, consistent
 * with {@link transformMask}.
 *
 * @param points `[N,2]` `(x, y)` in the original image's pixels.
 * @param imageSize the original `[H, W]`.
 * @param options crop/resize/cropPct as for the image, `patch`.
 * @returns transformed points, token indices and inside flags.
 * @throws VitValueError on a points tensor that is not `[N,2]`, a bad size or geometry.
 * @example
 * import { transformKeypoints, preprocessPresets } from '@vit/runtime';
 * import { tensor } from '@vit/io';
 * const kp = transformKeypoints(tensor(new Float32Array([120, 80]), [1, 2]), [375, 500], preprocessPresets.clip);
 * kp.tokens[0]; // spatial token of that point
 */
export function transformKeypoints(points: Tensor, imageSize: readonly [number, number], options: TransformKeypointsOptions = {}): TransformedKeypoints {
  const fn = 'transformKeypoints';
  const p = points as Tensor<Float32Array>;
  if (!p || !Array.isArray(p.shape) || p.shape.length !== 2 || p.shape[1] !== 2 || !p.data || typeof (p.data as ArrayLike<number>).length !== 'number') {
    throw new VitValueError(`\`points\` of ${fn} must be an [N,2] tensor of (x, y). Got ${p && Array.isArray(p.shape) ? `[${p.shape.join(',')}]` : typeof points}.`);
  }
  if (!Array.isArray(imageSize) || imageSize.length !== 2 || !imageSize.every((v) => Number.isInteger(v) && v >= 1)) {
    throw new VitValueError(`\`imageSize\` of ${fn} must be the original [H, W] (positive integers). Got ${JSON.stringify(imageSize)}.`);
  }
  const [H, W] = imageSize;
  const g = geometry(options, fn);
  const { gh, gw, patch } = patchGrid(g, options.patch, fn);
  const { rh, rw, top, left } = cropWindow(H, W, g, fn);
  const N = p.shape[0];
  const out = new Float32Array(N * 2);
  const tokens = new Int32Array(N).fill(-1);
  const inside = new Uint8Array(N);
  for (let i = 0; i < N; i++) {
    const x = p.data[p.offset + i * p.stride[0]];
    const y = p.data[p.offset + i * p.stride[0] + p.stride[1]];
    const xx = ((x + 0.5) * rw) / W - 0.5 - left;
    const yy = ((y + 0.5) * rh) / H - 0.5 - top;
    out[i * 2] = xx;
    out[i * 2 + 1] = yy;
    const col = Math.floor((xx + 0.5) / patch);
    const row = Math.floor((yy + 0.5) / patch);
    if (Number.isFinite(xx) && Number.isFinite(yy) && col >= 0 && col < gw && row >= 0 && row < gh) {
      inside[i] = 1;
      tokens[i] = row * gw + col;
    }
  }
  return { points: tensor(out, [N, 2]), tokens, inside, grid: [gh, gw] };
}
