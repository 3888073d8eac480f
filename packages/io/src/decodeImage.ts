import { decodeJpegRgb, isJpeg, type JpegDecoderChoice } from './jpeg.js';
import { asBytes, fileOf, hexHead, ioError } from './ioUtil.js';
import { decodePngImage, isPng, type DecodedPngImage } from './png.js';
import { tensor, type Tensor } from './tensor.js';
import { VitValueError } from './errors.js';

/** Options of {@link decodeImage}. */
export interface DecodeImageOptions {
  /** File name used in error messages. @default undefined (messages name `decodeImage`) */
  file?: string;
  /** Return `[H,W,4]` RGBA (opaque images get alpha 255) instead of `[H,W,3]` RGB. @default false */
  alpha?: boolean;
  /** Refuse images with more pixels than this (guards memory against corrupt or hostile headers). @default 268435456 (2^28) */
  maxPixels?: number;
  /**
   * JPEG decoder: `'auto'` uses sharp (libjpeg-turbo; Pillow's pixels exactly) when it loads and
   * the pure-JS jimp otherwise; `'sharp'` fails when sharp cannot load; `'jimp'` forces the
   * fallback (see {@link imageDecoder}).
   * @default 'auto'
   */
  decoder?: JpegDecoderChoice;
  /**
   * Rotate/flip JPEGs upright by their EXIF orientation tag, as `PIL.ImageOps.exif_transpose`
   * does. Off by default because `PIL.Image.open` (and so torchvision's and timm's datasets)
   * does not apply it: the model saw the stored pixels.
   * @default false
   */
  exifOrientation?: boolean;
}

/**
 * Decode a JPEG or PNG (told apart by their magic bytes, not the file name) into an 8-bit
 * `[H,W,3]` RGB tensor, or `[H,W,4]` RGBA with `{ alpha: true }`.
 * - JPEG: pixel for pixel `np.asarray(PIL.Image.open(f).convert('RGB'))` with libjpeg-turbo's
 *   defaults (ISLOW IDCT, fancy chroma upsampling; baseline, progressive, arithmetic, restart
 *   markers; gray, YCbCr, CMYK/YCCK with Pillow's CMYK→RGB arithmetic; ICC profiles ignored)
 *   when the optional `sharp` loads, else jimp (jpeg-js) with differences of up to tens of levels;
 *   {@link imageDecoder} says which. Like `Image.open`, the EXIF orientation is NOT applied unless
 *   `exifOrientation: true` (then all 8 orientations, as `ImageOps.exif_transpose`).
 * - PNG: every colour type and bit depth (1–16); grayscale is replicated to RGB, palettes are
 *   expanded (use {@link decodeIndexedPng} for the indices), 16-bit samples keep their high
 *   byte (`v >> 8`, as Pillow and libpng do), and `tRNS` transparency becomes alpha.
 * @param bytes The whole file.
 * @param options Options, or just the file name for error messages.
 * @returns `[H,W,3]` (or `[H,W,4]`) C-order `Uint8Array` tensor.
 * @throws VitIoError naming the file: `VIT_IO_MAGIC` (neither PNG nor JPEG), `VIT_IO_TRUNCATED`,
 *   `VIT_IO_IMAGE` (corrupt or unsupported).
 * @example const rgb = await decodeImage(await readFile('cat.jpg'), 'cat.jpg'); // [H,W,3]
 */
export async function decodeImage(bytes: Uint8Array | ArrayBuffer, options: string | DecodeImageOptions = {}): Promise<Tensor<Uint8Array>> {
  const b = asBytes(bytes, 'decodeImage');
  const o = typeof options === 'string' ? {} : options;
  const file = fileOf(options);
  const C = o.alpha ? 4 : 3;
  const maxPixels = o.maxPixels ?? 2 ** 28;
  if (isPng(b)) {
    const png = decodePngImage(b, 'decodeImage', file, { maxPixels });
    return tensor(pngToRgb(png, C, file), [png.height, png.width, C]);
  }
  if (isJpeg(b)) {
    const decoder = o.decoder ?? 'auto';
    if (decoder !== 'auto' && decoder !== 'sharp' && decoder !== 'jimp') {
      throw new VitValueError(`\`options.decoder\` of decodeImage must be 'auto', 'sharp' or 'jimp'. Got ${JSON.stringify(decoder)}.`);
    }
    const { width, height, rgb } = await decodeJpegRgb(b, 'decodeImage', file, { maxPixels, decoder, exifOrientation: !!o.exifOrientation });
    if (C === 3) return tensor(rgb, [height, width, 3]);
    const n = width * height;
    const out = new Uint8Array(n * 4).fill(255);
    for (let i = 0; i < n; i++) out.set(rgb.subarray(i * 3, i * 3 + 3), i * 4);
    return tensor(out, [height, width, 4]);
  }
  throw ioError('decodeImage', file, 'VIT_IO_MAGIC', `not a PNG or JPEG image: it starts with ${hexHead(b)}.`);
}

function pngToRgb(png: DecodedPngImage, C: 3 | 4, file: string | undefined): Uint8Array {
  const { width, height, colorType, depth, samples } = png;
  const n = width * height;
  const out = new Uint8Array(n * C);
  if (colorType === 3) {
    const pal = png.palette ?? [];
    const lut = new Uint8Array(256 * 4); // indices past the palette read as opaque black
    for (let i = 0; i < 256; i++) lut[i * 4 + 3] = 255;
    for (let i = 0; i < pal.length && i < 256; i++) {
      lut[i * 4] = pal[i][0];
      lut[i * 4 + 1] = pal[i][1];
      lut[i * 4 + 2] = pal[i][2];
      lut[i * 4 + 3] = pal[i][3] ?? 255;
    }
    if (pal.length === 0) throw ioError('decodeImage', file, 'VIT_IO_IMAGE', 'corrupt PNG: indexed colour without a PLTE chunk.');
    for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) out[i * C + c] = lut[samples[i] * 4 + c];
    return out;
  }
  // Scale every sample to 8 bits: 16-bit keeps the high byte (as Pillow), low bit depths v·255/(2^d − 1).
  const scale = depth === 16 ? (v: number) => v >> 8 : depth === 8 ? (v: number) => v : (v: number) => Math.round((v * 255) / ((1 << depth) - 1));
  const lut8 = depth === 16 ? undefined : Uint8Array.from({ length: 1 << Math.min(depth, 8) }, (_, v) => scale(v));
  const s = (v: number) => (lut8 ? lut8[v] : scale(v));
  const ch = png.channels;
  const gray = colorType === 0 || colorType === 4;
  const hasAlpha = colorType === 4 || colorType === 6;
  const key = png.transparency; // tRNS colour key for grayscale / RGB
  for (let i = 0; i < n; i++) {
    const base = i * ch;
    const r = samples[base];
    const g = gray ? r : samples[base + 1];
    const bl = gray ? r : samples[base + 2];
    out[i * C] = s(r);
    out[i * C + 1] = s(g);
    out[i * C + 2] = s(bl);
    if (C === 4) {
      if (hasAlpha) out[i * C + 3] = s(samples[base + ch - 1]);
      else if (key && (gray ? key[0] === r : key[0] === r && key[1] === g && key[2] === bl)) out[i * C + 3] = 0;
      else out[i * C + 3] = 255;
    }
  }
  return out;
}
