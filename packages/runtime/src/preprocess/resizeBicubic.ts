import { VitValueError, tensor } from '@vit/io';
import type { Tensor } from '@vit/io';
import { denseImage } from './image.js';
import { resampleWindow } from './resample.js';

export interface ResizeBicubicOptions {
  /**
   * The cubic kernel's coefficient `a` (Keys). −0.5 is Pillow's (and timm/torchvision's on PIL
   * images); −0.75 is OpenCV's and PyTorch tensor interpolation's.
   * @default -0.5
   */
  a?: number;
  /**
   * Stretch the kernel by the shrink factor when downscaling, so that all input pixels
   * contribute (Pillow always does; `false` samples like a plain, aliasing bicubic).
   * @default true
   */
  antialias?: boolean;
}

/**
 * Resize an image with Pillow's bicubic algorithm (`Image.resize(size, Image.BICUBIC)`), so
 * pixels match the PIL-based pipelines of timm and torchvision: separable cubic convolution
 * (`a = −0.5`), antialiased when shrinking (kernel support `2·scale`), sample centres at
 * `(i + ½)·scale`, border taps dropped and the remaining weights renormalised, horizontal
 * pass first. uint8 images use Pillow's 22-bit fixed-point weights and round to uint8 after
 * each pass (bit-identical to Pillow); float32 images use float64 weights and sums (Pillow
 * mode 'F'). Channels are resampled independently (Pillow premultiplies alpha for RGBA;
 * this does not).
 *
 * @param image `[H,W,C]` uint8 or float32 (any strides; copied once if not contiguous).
 * @param outH output height ≥ 1.
 * @param outW output width ≥ 1.
 * @param options kernel coefficient and antialiasing.
 * @returns a new C-contiguous `[outH,outW,C]` tensor of the input's dtype.
 * @throws VitValueError when `image` is not an `[H,W,C]` uint8/float32 tensor or a size is not a positive integer.
 * @example
 * import { resizeBicubic } from '@vit/runtime';
 * import { tensor } from '@vit/io';
 * const img = tensor(new Uint8Array(480 * 640 * 3), [480, 640, 3]);
 * const small = resizeBicubic(img, 224, 299); // [224,299,3] uint8
 */
export function resizeBicubic(image: Tensor<Uint8Array>, outH: number, outW: number, options?: ResizeBicubicOptions): Tensor<Uint8Array>;
export function resizeBicubic(image: Tensor<Float32Array>, outH: number, outW: number, options?: ResizeBicubicOptions): Tensor<Float32Array>;
export function resizeBicubic(
  image: Tensor<Uint8Array> | Tensor<Float32Array>,
  outH: number,
  outW: number,
  options: ResizeBicubicOptions = {},
): Tensor<Uint8Array> | Tensor<Float32Array> {
  const fn = 'resizeBicubic';
  const img = denseImage(image, fn);
  for (const [name, v] of [
    ['outH', outH],
    ['outW', outW],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new VitValueError(`\`${name}\` of ${fn} must be a positive integer. Got ${v}.`);
  }
  const a = options.a ?? -0.5;
  if (!Number.isFinite(a)) throw new VitValueError(`\`options.a\` of ${fn} must be a finite number. Got ${a}.`);
  const out = resampleWindow(img.data, img.H, img.W, img.C, outH, outW, 0, outH, 0, outW, { a, antialias: options.antialias ?? true });
  return tensor(out, [outH, outW, img.C]) as Tensor<Uint8Array> | Tensor<Float32Array>;
}
