import { loadSharp } from './loadSharp.js';

/** Which decoder {@link decodeImage} uses for JPEGs, and its versions. */
export interface ImageDecoderInfo {
  /** `'sharp'`: libvips + libjpeg-turbo, pixel-identical to Pillow; `'jimp'`: pure-JS jpeg-js fallback. */
  jpeg: 'sharp' | 'jimp';
  /** One line for manifests, e.g. `"sharp 0.34.5 (libvips 8.17.3, mozjpeg 0826579)"`. */
  description: string;
  /** Why the fallback runs, when it does. */
  reason?: string;
}

/**
 * Which JPEG decoder {@link decodeImage} and {@link readImage} use by default in this process:
 * `sharp` (an optional dependency with prebuilt libvips/libjpeg-turbo binaries) when it loads —
 * its pixels equal Pillow's `Image.open(p).convert('RGB')` — else the pure-JS `jimp` (jpeg-js),
 * which differs from Pillow by up to tens of grey levels on noisy 4:2:0 photos. Record it next to
 * results (`vit extract` writes it into `manifest.json`). Loading sharp here, on the main thread,
 * also makes it safe for worker threads to use.
 * Setting the environment variable `VIT_NO_SHARP=1` forces the fallback.
 *
 * @returns the decoder and a one-line description of it.
 * @example
 * import { imageDecoder } from '@vit/io';
 * (await imageDecoder()).description; // 'sharp 0.34.5 (libvips 8.17.3, mozjpeg 0826579)'
 */
export async function imageDecoder(): Promise<ImageDecoderInfo> {
  const s = await loadSharp();
  if (s) return { jpeg: 'sharp', description: `sharp ${s.version} (libvips ${s.vips}, ${s.libjpeg})` };
  const reason = s === null ? 'sharp is installed but failed to load' : 'sharp is not installed (or VIT_NO_SHARP=1)';
  return { jpeg: 'jimp', description: 'jimp (jpeg-js, pure JS; not pixel-identical to Pillow)', reason };
}
