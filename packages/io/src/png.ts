/**
 * PNG decoding with fast-png, behind a structural pre-check so corrupt or hostile files fail
 * fast with a VitIoError instead of allocating gigabytes. Internal.
 */
import { decode } from 'fast-png';
import { ioError } from './ioUtil.js';

export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function isPng(b: Uint8Array): boolean {
  return b.length >= 8 && PNG_SIGNATURE.every((m, i) => b[i] === m);
}

/** Colour types of the IHDR chunk. */
export type PngColorType = 0 | 2 | 3 | 4 | 6;
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const COLOR_NAME: Record<number, string> = { 0: 'grayscale', 2: 'RGB', 3: 'indexed (palette)', 4: 'grayscale+alpha', 6: 'RGBA' };
export const colorName = (c: number) => COLOR_NAME[c] ?? `colour type ${c}`;

/** Deflate cannot expand data by more than ~1032:1. */
const MAX_DEFLATE_RATIO = 1032;

export interface DecodedPngImage {
  width: number;
  height: number;
  colorType: PngColorType;
  depth: number;
  channels: number;
  /** One sample per channel per pixel, row-major (bit depths < 8 unpacked). */
  samples: Uint8Array | Uint16Array;
  palette?: number[][];
  transparency?: Uint16Array;
}

export interface PngLimits {
  maxPixels: number;
}

export function decodePngImage(b: Uint8Array, fn: string, file: string | undefined, limits: PngLimits): DecodedPngImage {
  const err = (msg: string, code: 'VIT_IO_IMAGE' | 'VIT_IO_TRUNCATED' = 'VIT_IO_IMAGE', cause?: unknown) => ioError(fn, file, code, msg, cause);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  // Walk the chunks: IHDR first, lengths inside the file, IDAT bytes counted, IEND at the end.
  let p = 8;
  let width = 0;
  let height = 0;
  let depth = 0;
  let colorType = -1;
  let interlace = 0;
  let idat = 0;
  let ended = false;
  while (p + 8 <= b.length) {
    const len = dv.getUint32(p);
    const type = String.fromCharCode(b[p + 4], b[p + 5], b[p + 6], b[p + 7]);
    if (len > 0x7fffffff || p + 12 + len > b.length) throw err(`PNG chunk '${type}' at byte ${p} runs past the end of the file (truncated).`, 'VIT_IO_TRUNCATED');
    if (p === 8) {
      if (type !== 'IHDR' || len !== 13) throw err(`corrupt PNG: the first chunk must be a 13-byte IHDR, got '${type}' of ${len} bytes.`);
      width = dv.getUint32(p + 8);
      height = dv.getUint32(p + 12);
      depth = b[p + 16];
      colorType = b[p + 17];
      interlace = b[p + 20];
    } else if (type === 'IDAT') idat += len;
    p += 12 + len;
    if (type === 'IEND') {
      ended = true;
      break;
    }
  }
  if (width === 0 && height === 0 && colorType < 0) throw err('PNG file is truncated before its IHDR chunk.', 'VIT_IO_TRUNCATED');
  if (!ended) throw err('PNG file is truncated: no IEND chunk.', 'VIT_IO_TRUNCATED');
  const channels = CHANNELS[colorType];
  const depthOk = colorType === 0 ? [1, 2, 4, 8, 16] : colorType === 3 ? [1, 2, 4, 8] : [8, 16];
  if (!channels || !depthOk.includes(depth)) throw err(`corrupt PNG: invalid colour type ${colorType} with bit depth ${depth}.`);
  if (width < 1 || height < 1 || width > 0x7fffffff || height > 0x7fffffff) throw err(`corrupt PNG: invalid size ${width}×${height}.`);
  if (width * height > limits.maxPixels) throw err(`PNG of ${width}×${height} pixels exceeds the limit of ${limits.maxPixels} pixels (maxPixels).`);
  const rowBytes = Math.ceil((width * channels * depth) / 8);
  const raw = height * (1 + rowBytes);
  if (raw > idat * MAX_DEFLATE_RATIO + 8 * height + 1024) {
    throw err(`corrupt PNG: ${width}×${height} pixels cannot come from ${idat} compressed bytes.`);
  }
  if (interlace === 1 && depth < 8) throw err(`unsupported PNG: Adam7-interlaced with bit depth ${depth} (< 8); re-save it without interlacing.`);
  let png;
  try {
    png = decode(b, { checkCrc: true });
  } catch (cause) {
    throw err(`corrupt PNG (${(cause as Error).message}).`, 'VIT_IO_IMAGE', cause);
  }
  const expect = depth < 8 ? rowBytes * height : width * height * channels;
  if (png.data.length !== expect || png.width !== width || png.height !== height) {
    throw err(`corrupt PNG: decoded ${png.data.length} samples, expected ${expect}.`);
  }
  let samples: Uint8Array | Uint16Array = png.data as Uint8Array | Uint16Array;
  if (depth < 8) {
    // Rows are byte-aligned, pixels packed most-significant bits first.
    const out = new Uint8Array(width * height);
    const mask = (1 << depth) - 1;
    for (let y = 0; y < height; y++) {
      const row = y * rowBytes;
      for (let x = 0; x < width; x++) {
        const bit = x * depth;
        out[y * width + x] = (samples[row + (bit >> 3)] >> (8 - depth - (bit & 7))) & mask;
      }
    }
    samples = out;
  }
  return {
    width,
    height,
    colorType: colorType as PngColorType,
    depth,
    channels,
    samples,
    palette: png.palette,
    transparency: png.transparency,
  };
}
