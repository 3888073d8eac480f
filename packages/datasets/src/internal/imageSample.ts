import type { ImageNetSample } from '../imagenet.js';
import type { ImageReader } from '../types.js';

/** A lazily-loaded class-folder image sample (shared with {@link imagenet50}). */
export function imageSample(path: string, id: string, wnid: string, label: number, read: ImageReader): ImageNetSample {
  return { id, path, wnid, label, loadImage: () => read(path) };
}
