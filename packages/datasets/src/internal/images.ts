import { readImage, readLabelPng } from '@vit/io';
import type { Tensor } from '@vit/io';
import type { ImageReader } from '../types.js';

/** The default {@link ImageReader}: `readImage` of `@vit/io` (JPEG/PNG → `[H,W,3]` uint8). */
export const defaultImageReader: ImageReader = (path) => readImage(path);

/** Reads an annotation PNG `[H,W]`: palette indices for indexed PNGs (DAVIS), the gray value for 8-bit gray ones. */
export function readMaskPng(path: string): Promise<Tensor<Uint8Array>> {
  return readLabelPng(path);
}

/** Lower-cased extensions of the image files readers pick up. */
export const IMAGE_EXTENSIONS = ['.jpeg', '.jpg', '.png'];

export function isImageName(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((e) => lower.endsWith(e));
}
