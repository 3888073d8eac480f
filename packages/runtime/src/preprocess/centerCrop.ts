import { VitValueError, tensor } from '@vit/io';
import type { Tensor } from '@vit/io';
import { cropOffset, denseImage, sizePair } from './image.js';

/**
 * Cut the centred `h×w` window out of an image, as torchvision's `center_crop`: the top-left
 * corner is `round((H − h) / 2), round((W − w) / 2)` with round-half-to-even (Python's
 * `round`), so an odd margin leaves the extra pixel on the side torchvision leaves it.
 *
 * @param image `[H,W,C]` uint8 or float32.
 * @param size `S` for `S×S`, or `[h, w]`; each at most the image's size.
 * @returns a new C-contiguous `[h,w,C]` tensor of the input's dtype.
 * @throws VitValueError when `image` is not an `[H,W,C]` tensor, or `size` is not positive or larger than the image (no padding).
 * @example
 * import { centerCrop } from '@vit/runtime';
 * import { tensor } from '@vit/io';
 * const crop = centerCrop(tensor(new Uint8Array(256 * 341 * 3), [256, 341, 3]), 224); // [224,224,3]
 */
export function centerCrop(image: Tensor<Uint8Array>, size: number | readonly [number, number]): Tensor<Uint8Array>;
export function centerCrop(image: Tensor<Float32Array>, size: number | readonly [number, number]): Tensor<Float32Array>;
export function centerCrop(
  image: Tensor<Uint8Array> | Tensor<Float32Array>,
  size: number | readonly [number, number],
): Tensor<Uint8Array> | Tensor<Float32Array> {
  const fn = 'centerCrop';
  const { data, H, W, C } = denseImage(image, fn);
  const [h, w] = sizePair(size, 'size', fn);
  if (h > H || w > W) {
    throw new VitValueError(`\`size\` of ${fn} must fit inside the image: a [${h},${w}] crop of an [${H},${W},${C}] image. Resize first.`);
  }
  const top = cropOffset(H, h);
  const left = cropOffset(W, w);
  const out = data instanceof Float32Array ? new Float32Array(h * w * C) : new Uint8Array(h * w * C);
  const row = w * C;
  for (let y = 0; y < h; y++) {
    const from = ((top + y) * W + left) * C;
    out.set(data.subarray(from, from + row), y * row);
  }
  return tensor(out, [h, w, C]) as Tensor<Uint8Array> | Tensor<Float32Array>;
}
