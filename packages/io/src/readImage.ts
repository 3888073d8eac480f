import { decodeImage, type DecodeImageOptions } from './decodeImage.js';
import { readAll } from './ioUtil.js';
import type { Tensor } from './tensor.js';

/**
 * Read and decode a JPEG or PNG file (see {@link decodeImage}).
 * @param path The file.
 * @param options `alpha`, `maxPixels` as for {@link decodeImage}.
 * @returns `[H,W,3]` (or `[H,W,4]`) uint8 tensor, EXIF orientation applied.
 * @throws VitIoError naming `path`: missing (`VIT_NOT_FOUND`), unreadable (`VIT_IO_READ`) or not a valid image.
 * @example const rgb = await readImage('val/n01440764/ILSVRC2012_val_00000293.JPEG');
 */
export async function readImage(path: string, options: Omit<DecodeImageOptions, 'file'> = {}): Promise<Tensor<Uint8Array>> {
  return decodeImage(await readAll(path, 'readImage'), { ...options, file: path });
}
