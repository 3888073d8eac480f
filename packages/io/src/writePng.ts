import { atomicWrite } from './atomicWrite.js';
import { encodePng, type EncodePngOptions } from './encodePng.js';
import type { Tensor } from './tensor.js';

/**
 * Encode an 8-bit image as PNG and write it atomically (temporary file, fsync, rename).
 * @param path Destination file.
 * @param t `[H,W]` or `[H,W,C]` uint8 tensor (see {@link encodePng}).
 * @param options An optional palette for indexed PNGs.
 * @throws VitIoError (`VIT_IO_WRITE`) naming `path`; VitValueError for a bad tensor.
 * @example await writePng('figures/cls_attention.png', heatmap)
 */
export async function writePng(path: string, t: Tensor<Uint8Array | Uint8ClampedArray>, options: EncodePngOptions = {}): Promise<void> {
  await atomicWrite(path, encodePng(t, options));
}
