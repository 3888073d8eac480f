import { encode } from 'fast-png';
import { contiguous } from './contiguous.js';
import { VitValueError } from './errors.js';
import type { Tensor } from './tensor.js';

/** Options of {@link encodePng}. */
export interface EncodePngOptions {
  /**
   * Write an indexed PNG: `t` must be `[H,W]` of indices into this list of `[r,g,b]` or
   * `[r,g,b,a]` colours (at most 256). Use it for label maps (e.g. DAVIS-style masks).
   * @default undefined (grayscale / RGB / RGBA by channel count)
   */
  palette?: readonly (readonly number[])[];
}

/**
 * Encode an 8-bit image as PNG. `[H,W]` and `[H,W,1]` are grayscale, `[H,W,2]` gray+alpha,
 * `[H,W,3]` RGB, `[H,W,4]` RGBA; strided views are written in their logical order.
 * @param t `[H,W]` or `[H,W,C]` tensor over a `Uint8Array` (or `Uint8ClampedArray`).
 * @param options An optional palette.
 * @returns The PNG file bytes.
 * @throws VitValueError for another dtype, rank, channel count, an empty image, or an index outside the palette.
 * @example await atomicWrite('heatmap.png', encodePng(rgb))
 */
export function encodePng(t: Tensor<Uint8Array | Uint8ClampedArray>, options: EncodePngOptions = {}): Uint8Array {
  if (!t || !Array.isArray(t.shape) || !(t.data instanceof Uint8Array || t.data instanceof Uint8ClampedArray)) {
    throw new VitValueError(`\`t\` of encodePng must be a uint8 tensor [H,W] or [H,W,C]. Got ${t && ArrayBuffer.isView(t.data) ? t.data.constructor.name : typeof t}.`);
  }
  const [h, w, c = 1] = t.shape;
  if ((t.shape.length !== 2 && t.shape.length !== 3) || c < 1 || c > 4 || !(h > 0) || !(w > 0)) {
    throw new VitValueError(`\`t\` of encodePng must have shape [H,W] or [H,W,C] with H,W ≥ 1 and C in 1..4. Got [${t.shape.join(',')}].`);
  }
  const data = new Uint8Array(contiguous(t as Tensor<Uint8Array>).data);
  const pal = options.palette;
  if (pal !== undefined) {
    if (c !== 1) throw new VitValueError(`\`t\` of encodePng must be [H,W] indices when a palette is given. Got [${t.shape.join(',')}].`);
    if (!Array.isArray(pal) || pal.length < 1 || pal.length > 256) {
      throw new VitValueError(`\`options.palette\` of encodePng must list 1 to 256 colours. Got ${Array.isArray(pal) ? pal.length : typeof pal}.`);
    }
    const len = pal[0].length;
    if (!pal.every((p) => (p.length === 3 || p.length === 4) && p.length === len && p.every((v: number) => Number.isInteger(v) && v >= 0 && v <= 255))) {
      throw new VitValueError('`options.palette` of encodePng must hold [r,g,b] or [r,g,b,a] integer colours in 0..255, all of one length.');
    }
    for (let i = 0; i < data.length; i++) {
      if (data[i] >= pal.length) {
        throw new VitValueError(`\`t\` of encodePng has index ${data[i]} at pixel (${Math.floor(i / w)}, ${i % w}), outside the palette of ${pal.length} colours.`);
      }
    }
    return encode({ width: w, height: h, data, channels: 1, depth: 8, palette: pal.map((p) => p.slice()) });
  }
  return encode({ width: w, height: h, data, channels: c, depth: 8 });
}
