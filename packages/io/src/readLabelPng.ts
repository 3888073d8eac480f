import { decodeLabelPng } from './decodeLabelPng.js';
import type { DecodeIndexedPngOptions } from './decodeIndexedPng.js';
import { readAll } from './ioUtil.js';
import type { Tensor } from './tensor.js';

/**
 * Read a label-map PNG (palette indices or gray values; see {@link decodeLabelPng}).
 * @param path The file, e.g. a DAVIS `Annotations/480p/<video>/00000.png`.
 * @param options `maxPixels` as for {@link decodeLabelPng}.
 * @returns `[H,W]` uint8 labels.
 * @throws VitIoError naming `path`.
 * @example const ids = await readLabelPng('Annotations/480p/bear/00000.png');
 */
export async function readLabelPng(path: string, options: Omit<DecodeIndexedPngOptions, 'file'> = {}): Promise<Tensor<Uint8Array>> {
  return decodeLabelPng(await readAll(path, 'readLabelPng'), { ...options, file: path });
}
