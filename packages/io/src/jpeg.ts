/**
 * JPEG decoding. Internal. Two decoders, one contract — Pillow's
 * `np.asarray(PIL.Image.open(p).convert('RGB'))`:
 * - `sharp` (libvips over libjpeg-turbo/mozjpeg, prebuilt for Node): libjpeg's defaults as Pillow
 *   uses them (ISLOW integer IDCT, fancy chroma upsampling, YCbCr→RGB inside libjpeg), the
 *   embedded ICC profile ignored (Pillow's convert does not use it), CMYK/YCCK read as CMYK
 *   and converted with Pillow's own formula below. Pixel-identical to Pillow on every kind of
 *   tools/jpeg-fixtures.
 * - `jimp` (jpeg-js, pure JS, also in browsers): its own IDCT and chroma upsampling by
 *   replication, so it differs from Pillow by up to tens of levels on noisy subsampled photos.
 * Neither applies the EXIF orientation unless asked (Pillow's `Image.open` does not;
 * `ImageOps.exif_transpose` does).
 */
import { ioError } from './ioUtil.js';
import { loadSharp } from './loadSharp.js';

/** Which JPEG decoder to use: `'auto'` = sharp when it loads, else jimp. */
export type JpegDecoderChoice = 'auto' | 'sharp' | 'jimp';

export function isJpeg(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
}

/**
 * Every 8×8 block of a Huffman-coded JPEG costs at least one bit, so a file cannot hold more
 * than 512 pixels per byte; we allow twice that before calling a size claim corrupt.
 */
const MAX_PIXELS_PER_BYTE = 1024;

interface JpegHeader {
  width: number;
  height: number;
  /** Components in the frame (1 gray, 3 YCbCr/RGB, 4 CMYK/YCCK). */
  components: number;
  /** Byte offsets of APP1 segments holding Exif data (their marker byte). */
  exifAt: number[];
}

/** Walk the markers up to the frame header (SOF) without decoding anything. */
function readHeader(b: Uint8Array): JpegHeader | undefined {
  let p = 2;
  const exifAt: number[] = [];
  while (p + 4 <= b.length) {
    if (b[p] !== 0xff) return undefined;
    const m = b[p + 1];
    if (m === 0xff) {
      p++; // fill byte
      continue;
    }
    if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) {
      p += 2;
      continue;
    }
    const len = (b[p + 2] << 8) | b[p + 3];
    if (len < 2 || p + 2 + len > b.length) return undefined;
    const isSof = m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
    if (isSof) {
      if (len < 8) return undefined;
      return { height: (b[p + 5] << 8) | b[p + 6], width: (b[p + 7] << 8) | b[p + 8], components: b[p + 9], exifAt };
    }
    if (m === 0xe1 && len >= 8 && ascii(b, p + 4, 4) === 'Exif' && b[p + 8] === 0) exifAt.push(p + 1);
    if (m === 0xda || m === 0xd9) return undefined; // scan or end before any frame header
    p += 2 + len;
  }
  return undefined;
}

function ascii(b: Uint8Array, at: number, n: number): string {
  return String.fromCharCode(...b.subarray(at, at + n));
}

/** A decoded JPEG: dense `[H,W,3]` RGB bytes and the decoder that made them. */
export interface DecodedJpeg {
  width: number;
  height: number;
  rgb: Uint8Array;
  decoder: 'sharp' | 'jimp';
}

/** Decode to 8-bit RGB as Pillow's `convert('RGB')` does; EXIF orientation only when asked. */
export async function decodeJpegRgb(
  b: Uint8Array,
  fn: string,
  file: string | undefined,
  o: { maxPixels: number; decoder: JpegDecoderChoice; exifOrientation: boolean },
): Promise<DecodedJpeg> {
  const err = (msg: string, cause?: unknown) => ioError(fn, file, 'VIT_IO_IMAGE', msg, cause);
  const head = readHeader(b);
  if (!head) throw err(`corrupt JPEG: no frame header (SOF) before the image data.`);
  const { width: w0, height: h0 } = head;
  if (w0 === 0 || h0 === 0) throw err(`corrupt or unsupported JPEG: frame size ${w0}×${h0}.`);
  const px = w0 * h0;
  if (px > o.maxPixels) throw err(`JPEG of ${w0}×${h0} pixels exceeds the limit of ${o.maxPixels} pixels (maxPixels).`);
  if (px > MAX_PIXELS_PER_BYTE * b.length + 65536) throw err(`corrupt JPEG: ${w0}×${h0} pixels cannot come from ${b.length} bytes.`);
  if (o.decoder !== 'jimp') {
    const sharp = await loadSharp();
    if (sharp) return { ...(await viaSharp(sharp.sharp, b, head, o.exifOrientation, err)), decoder: 'sharp' };
    if (o.decoder === 'sharp') {
      throw ioError(fn, file, 'VIT_IO_IMAGE', `decoder 'sharp' was asked for but sharp cannot be loaded here (${sharp === undefined ? 'not installed' : 'failed'}); install sharp or pass decoder 'jimp'.`);
    }
  }
  return { ...(await viaJimp(b, head, o, err)), decoder: 'jimp' };
}

type Err = (msg: string, cause?: unknown) => Error;
type SharpFn = typeof import('sharp');

async function viaSharp(sharp: SharpFn, b: Uint8Array, head: JpegHeader, orient: boolean, err: Err): Promise<{ width: number; height: number; rgb: Uint8Array }> {
  const input = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const cmyk = head.components === 4;
  try {
    let s = sharp(input, { ignoreIcc: true, autoOrient: orient, failOn: 'truncated', limitInputPixels: false });
    // CMYK stays CMYK through libvips (no ICC transform); Pillow's arithmetic converts it below.
    if (cmyk) s = s.pipelineColourspace('cmyk').toColourspace('cmyk');
    const { data, info } = await s.raw().toBuffer({ resolveWithObject: true });
    const { width, height, channels } = info;
    const n = width * height;
    if (data.length !== n * channels) throw new Error(`decoded ${data.length} bytes for ${width}×${height}×${channels}`);
    if (cmyk) return { width, height, rgb: cmykToRgb(data, n) };
    return { width, height, rgb: toRgb(data, n, channels) };
  } catch (cause) {
    throw err(`corrupt JPEG (${firstLine((cause as Error).message)}).`, cause);
  }
}

/**
 * Pillow's CMYK → RGB (libImaging/Convert.c `cmyk2rgb`): `nk = 255 − K`,
 * `R = nk − round(C·nk/255)` with its integer MULDIV255. Like Pillow ("CMYK;I"), libvips reads
 * every 4-component JPEG's samples as Adobe-inverted, with or without an APP14 segment (both
 * kinds are in the fixtures).
 */
function cmykToRgb(d: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const nk = 255 - d[i * 4 + 3];
    for (let c = 0; c < 3; c++) {
      const t = d[i * 4 + c] * nk + 128;
      const v = nk - (((t >> 8) + t) >> 8);
      out[i * 3 + c] = v < 0 ? 0 : v;
    }
  }
  return out;
}

/** 1 (gray), 2 (gray + alpha), 3, 4 (RGBA) channels → dense RGB. */
function toRgb(d: Uint8Array, n: number, ch: number): Uint8Array {
  if (ch === 3) return new Uint8Array(d.buffer, d.byteOffset, d.length);
  const out = new Uint8Array(n * 3);
  if (ch <= 2) {
    for (let i = 0; i < n; i++) out.fill(d[i * ch], i * 3, i * 3 + 3);
    return out;
  }
  for (let i = 0; i < n; i++) {
    out[i * 3] = d[i * ch];
    out[i * 3 + 1] = d[i * ch + 1];
    out[i * 3 + 2] = d[i * ch + 2];
  }
  return out;
}

async function viaJimp(
  b: Uint8Array,
  head: JpegHeader,
  o: { maxPixels: number; exifOrientation: boolean },
  err: Err,
): Promise<{ width: number; height: number; rgb: Uint8Array }> {
  const { Jimp } = await import('jimp');
  let src = b;
  if (!o.exifOrientation && head.exifAt.length) {
    // jimp always applies the orientation it finds: hide the Exif segments (APP1 → COM).
    src = b.slice();
    for (const at of head.exifAt) src[at] = 0xfe;
  }
  let img;
  try {
    img = await Jimp.fromBuffer(Buffer.from(src.buffer, src.byteOffset, src.byteLength), {
      'image/jpeg': { maxResolutionInMP: Math.max(1, Math.ceil(o.maxPixels / 1e6)), maxMemoryUsageInMB: 4096 },
    } as never);
  } catch (cause) {
    throw err(`corrupt or unsupported JPEG (${firstLine((cause as Error).message)}).`, cause);
  }
  const { width, height, data } = img.bitmap;
  if (data.length !== width * height * 4) throw err(`corrupt JPEG: decoded ${data.length} bytes for ${width}×${height}.`);
  return { width, height, rgb: toRgb(new Uint8Array(data.buffer, data.byteOffset, data.length), width * height, 4) };
}

function firstLine(s: string): string {
  return String(s).split('\n')[0].trim();
}
