import { tensor } from '@vit/io';
import type { Tensor } from '@vit/io';
import { preprocessInto, transform } from './transform.js';
import type { PreprocessOptions } from './transform.js';

export type { PreprocessOptions };

/**
 * The standard ViT evaluation transform (SPEC "Models and preprocessing"): resize so the short
 * side is `S` with Pillow-exact bicubic (see {@link resizeBicubic}; the long side becomes
 * `⌊S·long/short⌋`), centre crop `S×S` (see {@link centerCrop}), scale to `[0,1]`, normalise
 * per channel. Pixel for pixel this is torchvision's
 * `Compose([Resize(S, BICUBIC), CenterCrop(S), ToTensor(), Normalize(mean, std)])` on a PIL
 * image, float32 arithmetic included. Only the rows and columns that survive the crop are
 * resampled.
 *
 * @param image `[H,W,3]` uint8 RGB (`[H,W,4]` RGBA: alpha is dropped, not composited).
 * @param options size, preset, mean/std overrides.
 * @returns `[3,S,S]` (or `[3,h,w]`) float32, channel-first.
 * @throws VitValueError on an image that is not `[H,W,3|4]` uint8, a bad size, an unknown preset or bad mean/std.
 * @example
 * import { preprocess } from '@vit/runtime';
 * import { tensor } from '@vit/io';
 * const rgb = tensor(new Uint8Array(375 * 500 * 3).fill(128), [375, 500, 3]);
 * const x = preprocess(rgb, { size: 224, preset: 'clip' }); // [3,224,224]
 */
export function preprocess(image: Tensor<Uint8Array>, options: PreprocessOptions = {}): Tensor<Float32Array> {
  const t = transform(options, 'preprocess');
  const out = new Float32Array(3 * t.h * t.w);
  preprocessInto(image, t, out, 0, 'preprocess');
  return tensor(out, [3, t.h, t.w]);
}
