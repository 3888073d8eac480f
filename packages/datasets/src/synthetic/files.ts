import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Writes bytes, creating parent folders. */
export async function put(path: string, bytes: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
}

/** An RGB pattern `[H*W*3]`: a base colour with a diagonal gradient, different per `seed`. */
export function patternRGB(h: number, w: number, seed: number): Uint8Array {
  const out = new Uint8Array(h * w * 3);
  const r0 = (seed * 67) % 256, g0 = (seed * 131 + 40) % 256, b0 = (seed * 29 + 90) % 256;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      out[o] = (r0 + x * 4) % 256;
      out[o + 1] = (g0 + y * 4) % 256;
      out[o + 2] = (b0 + (x + y) * 2) % 256;
    }
  }
  return out;
}

/** Encodes RGB `[H*W*3]` as a baseline JPEG with jimp (quality 95). */
export async function jpegBytes(rgb: Uint8Array, h: number, w: number): Promise<Uint8Array> {
  const { Jimp } = await import('jimp');
  const rgba = Buffer.alloc(h * w * 4);
  for (let k = 0; k < h * w; k++) {
    rgba[4 * k] = rgb[3 * k];
    rgba[4 * k + 1] = rgb[3 * k + 1];
    rgba[4 * k + 2] = rgb[3 * k + 2];
    rgba[4 * k + 3] = 255;
  }
  const img = Jimp.fromBitmap({ data: rgba, width: w, height: h });
  return new Uint8Array(await img.getBuffer('image/jpeg', { quality: 95 }));
}

// jpeg-js (under jimp) rebuilds its tables on every encode (~40 ms), so encoded patterns are
// kept for the life of the process: writers called again with the same sizes and seeds are fast
const jpegCache = new Map<string, Promise<Uint8Array>>();

/** Writes a JPEG of the pattern for `seed`. */
export async function writeJpeg(path: string, h: number, w: number, seed: number): Promise<void> {
  const key = `${h}x${w}:${seed}`;
  let bytes = jpegCache.get(key);
  if (!bytes) {
    bytes = jpegBytes(patternRGB(h, w, seed), h, w);
    jpegCache.set(key, bytes);
    if (jpegCache.size > 4096) jpegCache.delete(jpegCache.keys().next().value as string);
  }
  await put(path, await bytes);
}

/** The DAVIS palette's first colours (index 0 black, then the PASCAL VOC colour map). */
export function vocPalette(n = 256): number[][] {
  const pal: number[][] = [];
  for (let i = 0; i < n; i++) {
    let r = 0, g = 0, b = 0, c = i;
    for (let j = 0; j < 8; j++) {
      r |= ((c >> 0) & 1) << (7 - j);
      g |= ((c >> 1) & 1) << (7 - j);
      b |= ((c >> 2) & 1) << (7 - j);
      c >>= 3;
    }
    pal.push([r, g, b]);
  }
  return pal;
}

/** Encodes palette indices `[H*W]` as an 8-bit indexed-colour PNG with fast-png. */
export async function writePalettePng(path: string, indices: Uint8Array, h: number, w: number): Promise<void> {
  const { encode } = await import('fast-png');
  await put(path, encode({ width: w, height: h, data: indices, depth: 8, channels: 1, palette: vocPalette() }));
}

/** Column-major run lengths of a row-major `[H,W]` 0/1 mask (COCO's uncompressed RLE). */
export function maskToCounts(mask: Uint8Array, h: number, w: number): number[] {
  const counts: number[] = [];
  let current = 0;
  let run = 0;
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) {
      const v = mask[y * w + x] ? 1 : 0;
      if (v !== current) {
        counts.push(run);
        run = 0;
        current = v;
      }
      run++;
    }
  }
  counts.push(run);
  return counts;
}

/** A filled disc mask `[H*W]` (pixel centres within `r` of `(cx, cy)`). */
export function discMask(h: number, w: number, cx: number, cy: number, r: number): Uint8Array {
  const m = new Uint8Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) m[y * w + x] = 1;
  return m;
}
