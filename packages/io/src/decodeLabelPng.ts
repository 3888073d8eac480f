import type { DecodeIndexedPngOptions } from './decodeIndexedPng.js';
import { asBytes, fileOf, hexHead, ioError } from './ioUtil.js';
import { colorName, decodePngImage, isPng } from './png.js';
import { tensor, type Tensor } from './tensor.js';

/**
 * Decode a label-map PNG to one integer label per pixel, as DAVIS-like masks come either as
 * palette PNGs (label = palette index) or grayscale PNGs (label = gray value, unscaled; 16-bit
 * maps are accepted when every value is ≤ 255). Colour (RGB) or alpha images are refused.
 * @param bytes The whole file.
 * @param options Options, or just the file name for error messages.
 * @returns `[H,W]` `Uint8Array` tensor of labels.
 * @throws VitIoError naming the file: not a PNG, corrupt, colour/alpha, or a 16-bit value > 255.
 * @example const labels = decodeLabelPng(await readFile('mask.png'), 'mask.png');
 */
export function decodeLabelPng(bytes: Uint8Array | ArrayBuffer, options: string | DecodeIndexedPngOptions = {}): Tensor<Uint8Array> {
  const b = asBytes(bytes, 'decodeLabelPng');
  const file = fileOf(options);
  const o = typeof options === 'string' ? {} : options;
  if (!isPng(b)) throw ioError('decodeLabelPng', file, 'VIT_IO_MAGIC', `not a PNG: it starts with ${hexHead(b)}.`);
  const png = decodePngImage(b, 'decodeLabelPng', file, { maxPixels: o.maxPixels ?? 2 ** 28 });
  if (png.colorType !== 3 && png.colorType !== 0) {
    throw ioError('decodeLabelPng', file, 'VIT_IO_IMAGE', `expected a palette or grayscale label PNG, got ${colorName(png.colorType)} ${png.depth}-bit.`);
  }
  const shape = [png.height, png.width];
  if (png.samples instanceof Uint8Array) return tensor(png.samples, shape);
  const out = new Uint8Array(png.samples.length);
  for (let i = 0; i < out.length; i++) {
    const v = png.samples[i];
    if (v > 255) {
      throw ioError('decodeLabelPng', file, 'VIT_IO_IMAGE', `16-bit label ${v} at pixel (${Math.floor(i / png.width)}, ${i % png.width}) does not fit 8 bits.`);
    }
    out[i] = v;
  }
  return tensor(out, shape);
}
