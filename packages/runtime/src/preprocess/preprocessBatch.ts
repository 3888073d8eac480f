import { VitValueError, tensor } from '@vit/io';
import type { Tensor } from '@vit/io';
import { preprocessInto, transform } from './transform.js';
import type { PreprocessOptions } from './transform.js';

/**
 * {@link preprocess} every image and stack the results into one batch, written in place (no
 * per-image tensors).
 *
 * @param images `[H,W,3]` uint8 images; sizes may differ.
 * @param options as for {@link preprocess}.
 * @returns `[B,3,S,S]` (or `[B,3,h,w]`) float32.
 * @throws VitValueError when `images` is empty or not an array, or on any bad image (named by index).
 * @example
 * import { preprocessBatch } from '@vit/runtime';
 * import { tensor } from '@vit/io';
 * const a = tensor(new Uint8Array(300 * 400 * 3), [300, 400, 3]);
 * const b = tensor(new Uint8Array(256 * 256 * 3), [256, 256, 3]);
 * const pixels = preprocessBatch([a, b], { size: 224 }); // [2,3,224,224]
 */
export function preprocessBatch(images: readonly Tensor<Uint8Array>[], options: PreprocessOptions = {}): Tensor<Float32Array> {
  const fn = 'preprocessBatch';
  if (!Array.isArray(images) || images.length === 0) {
    throw new VitValueError(`\`images\` of ${fn} must be a non-empty array of [H,W,3] uint8 tensors. Got ${Array.isArray(images) ? 'an empty array' : typeof images}.`);
  }
  const t = transform(options, fn);
  const n = 3 * t.h * t.w;
  const out = new Float32Array(images.length * n);
  images.forEach((img, b) => preprocessInto(img, t, out, b * n, fn, `images[${b}]`));
  return tensor(out, [images.length, 3, t.h, t.w]);
}
