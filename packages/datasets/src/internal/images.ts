import { readFile } from 'node:fs/promises';
import { readImage, decodeIndexedPng } from '@vit/io';
import type { Tensor } from '@vit/io';
import type { ImageReader } from '../types.js';

/** The default {@link ImageReader}: `readImage` of `@vit/io` (JPEG/PNG → `[H,W,3]` uint8). */
export const defaultImageReader: ImageReader = (path) => readImage(path);

/** Reads an indexed-palette PNG as its palette indices `[H,W]`. */
export async function readIndexedPng(path: string): Promise<Tensor<Uint8Array>> {
  return decodeIndexedPng(await readFile(path), path);
}

/** Lower-cased extensions of the image files readers pick up. */
export const IMAGE_EXTENSIONS = ['.jpeg', '.jpg', '.png'];

export function isImageName(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((e) => lower.endsWith(e));
}
