/** JPEG decoding through jimp (jpeg-js), which also applies the EXIF orientation. Internal. */
import { ioError } from './ioUtil.js';

export function isJpeg(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
}

/**
 * Every 8×8 block of a Huffman-coded JPEG costs at least one bit, so a file cannot hold more
 * than 512 pixels per byte; we allow twice that before calling a size claim corrupt.
 */
const MAX_PIXELS_PER_BYTE = 1024;

/** Find the frame size in the SOF marker without decoding anything. */
function frameSize(b: Uint8Array): { width: number; height: number } | undefined {
  let p = 2;
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
      return { height: (b[p + 5] << 8) | b[p + 6], width: (b[p + 7] << 8) | b[p + 8] };
    }
    if (m === 0xda || m === 0xd9) return undefined; // scan or end before any frame header
    p += 2 + len;
  }
  return undefined;
}

/** Decode to RGBA 8-bit with EXIF orientation applied. */
export async function decodeJpegRgba(
  b: Uint8Array,
  fn: string,
  file: string | undefined,
  maxPixels: number,
): Promise<{ width: number; height: number; rgba: Uint8Array }> {
  const err = (msg: string, cause?: unknown) => ioError(fn, file, 'VIT_IO_IMAGE', msg, cause);
  const size = frameSize(b);
  if (!size) throw err(`corrupt JPEG: no frame header (SOF) before the image data.`);
  if (size.width === 0 || size.height === 0) throw err(`corrupt or unsupported JPEG: frame size ${size.width}×${size.height}.`);
  const px = size.width * size.height;
  if (px > maxPixels) throw err(`JPEG of ${size.width}×${size.height} pixels exceeds the limit of ${maxPixels} pixels (maxPixels).`);
  if (px > MAX_PIXELS_PER_BYTE * b.length + 65536) {
    throw err(`corrupt JPEG: ${size.width}×${size.height} pixels cannot come from ${b.length} bytes.`);
  }
  const { Jimp } = await import('jimp');
  let img;
  try {
    const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    img = await Jimp.fromBuffer(buf, {
      'image/jpeg': { maxResolutionInMP: Math.max(1, Math.ceil(maxPixels / 1e6)), maxMemoryUsageInMB: 4096 },
    } as never);
  } catch (cause) {
    throw err(`corrupt JPEG (${(cause as Error).message}).`, cause);
  }
  const { width, height, data } = img.bitmap;
  if (data.length !== width * height * 4) throw err(`corrupt JPEG: decoded ${data.length} bytes for ${width}×${height}.`);
  return { width, height, rgba: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}
