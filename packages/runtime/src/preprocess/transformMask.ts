import { VitValueError, tensor } from '@vit/io';
import type { Tensor } from '@vit/io';
import { cropWindow, geometry } from './transform.js';
import type { TransformGeometryOptions } from './transform.js';
import { patchGrid } from './patchGrid.js';

/** Options of {@link transformMask}: the image's transform geometry, the patch size, the label. */
export interface TransformMaskOptions extends TransformGeometryOptions {
  /** Patch size `p` of the model: the token grid is `crop / p`. @default 16 */
  patch?: number;
  /** Count pixels equal to this label as foreground (e.g. one object of a DAVIS/COCO label map). @default any non-zero pixel */
  label?: number;
}

/** A mask as the model saw its image, at pixel and at token resolution. */
export interface TransformedMask {
  /** The label map resized (nearest) and cropped exactly as the image: `[h,w]`, the input's values and dtype. */
  mask: Tensor<MaskData>;
  /** Per token: 1 when any of its pixels is foreground (SPEC 5's rule), `[gh,gw]` uint8. */
  tokens: Tensor<Uint8Array>;
  /** Per token: the foreground area fraction in `[0,1]` (SPEC 11's weights), `[gh,gw]` float32. */
  fraction: Tensor<Float32Array>;
}

/** Element types a label map may have. */
export type MaskData = Uint8Array | Uint16Array | Int32Array | Uint32Array | Float32Array;
type Labels = MaskData;

/**
 * Put a segmentation mask (a label map) through the exact geometry that {@link preprocess}
 * applies to its image — Resize(short side = `resize`) with nearest neighbour as torchvision's
 * `Resize(..., NEAREST)` on a PIL mask (source pixel `⌊(i + ½)·in/out⌋`), then the same centre
 * crop — and onto the token grid: a token is foreground when any of its `p×p` pixels is
 * (SPEC 5, saliency IoU), with the area fraction alongside (SPEC 11, object-level features).
 * Pass the same options as for the image (a {@link PreprocessConfig} spreads in directly).
 *
 * @param mask `[H,W]` or `[H,W,1]` label map (uint8/uint16/int32/uint32/float32), the image's size.
 * @param options crop/resize/cropPct as for the image, `patch`, `label`.
 * @returns the cropped mask `[h,w]`, token mask `[gh,gw]` and token fractions `[gh,gw]`.
 * @throws VitValueError when the mask is not `[H,W]`/`[H,W,1]`, the crop is not a multiple of `patch`, or the geometry is invalid.
 * @example
 * import { preprocessPresets, transformMask } from '@vit/runtime';
 * const gt = transformMask(objectMask, { ...preprocessPresets['imagenet-dino'], patch: 16 });
 * gt.tokens.shape; // [14,14]
 */
export function transformMask(mask: Tensor<MaskData>, options: TransformMaskOptions = {}): TransformedMask {
  const fn = 'transformMask';
  const m = mask as Tensor<Labels>;
  const okType =
    m?.data instanceof Uint8Array || m?.data instanceof Uint16Array || m?.data instanceof Int32Array || m?.data instanceof Uint32Array || m?.data instanceof Float32Array;
  if (!m || !okType || !Array.isArray(m.shape) || !(m.shape.length === 2 || (m.shape.length === 3 && m.shape[2] === 1)) || m.shape[0] < 1 || m.shape[1] < 1) {
    const got = m && Array.isArray(m.shape) ? `[${m.shape.join(',')}]` : typeof mask;
    throw new VitValueError(`\`mask\` of ${fn} must be an [H,W] (or [H,W,1]) label map of integers. Got ${got}.`);
  }
  const g = geometry(options, fn);
  const { gh, gw, patch } = patchGrid(g, options.patch, fn);
  const label = options.label;
  if (label !== undefined && typeof label !== 'number') throw new VitValueError(`\`options.label\` of ${fn} must be a number. Got ${JSON.stringify(label)}.`);
  const [H, W] = m.shape;
  const { rh, rw, top, left } = cropWindow(H, W, g, fn);
  const { h, w } = g;
  // Source row / column of every kept output pixel (Pillow's NEAREST on the resized grid).
  const ys = Int32Array.from({ length: h }, (_, y) => Math.min(H - 1, Math.floor((y + top + 0.5) * (H / rh))));
  const xs = Int32Array.from({ length: w }, (_, x) => Math.min(W - 1, Math.floor((x + left + 0.5) * (W / rw))));
  const Ctor = m.data.constructor as new (n: number) => Labels;
  const out = new Ctor(h * w);
  const s0 = m.stride[0];
  const s1 = m.stride[1];
  const fgCount = new Float64Array(gh * gw);
  for (let y = 0; y < h; y++) {
    const row = m.offset + ys[y] * s0;
    const tr = Math.floor(y / patch) * gw;
    for (let x = 0; x < w; x++) {
      const v = m.data[row + xs[x] * s1];
      out[y * w + x] = v;
      if (label === undefined ? v !== 0 : v === label) fgCount[tr + Math.floor(x / patch)]++;
    }
  }
  const tokens = new Uint8Array(gh * gw);
  const fraction = new Float32Array(gh * gw);
  const area = patch * patch;
  for (let t = 0; t < gh * gw; t++) {
    tokens[t] = fgCount[t] > 0 ? 1 : 0;
    fraction[t] = fgCount[t] / area;
  }
  return { mask: tensor(out, [h, w]) as Tensor<MaskData>, tokens: tensor(tokens, [gh, gw]), fraction: tensor(fraction, [gh, gw]) };
}
