import { asBytes, fileOf, hexHead, ioError } from './ioUtil.js';
import { colorName, decodePngImage, isPng } from './png.js';
import { tensor, type Tensor } from './tensor.js';

/** Options of {@link decodeIndexedPng} and {@link decodeLabelPng}. */
export interface DecodeIndexedPngOptions {
  /** File name used in error messages. @default undefined (messages name the function) */
  file?: string;
  /** Refuse images with more pixels than this. @default 268435456 (2^28) */
  maxPixels?: number;
}

/**
 * Decode an indexed-colour (palette) PNG to its palette **indices**, not its colours: DAVIS
 * annotations store the object id of each pixel as the index (0 = background), whatever
 * colour the palette gives it. Bit depths 1, 2, 4 and 8.
 * @param bytes The whole file.
 * @param options Options, or just the file name for error messages.
 * @returns `[H,W]` `Uint8Array` tensor of indices.
 * @throws VitIoError naming the file: not a PNG (`VIT_IO_MAGIC`), corrupt or truncated, or not
 *   indexed (`VIT_IO_IMAGE`; use {@link decodeLabelPng} to also accept grayscale label maps).
 * @example const ids = decodeIndexedPng(await readFile('00000.png')); // [480,854], values 0..K
 */
export function decodeIndexedPng(bytes: Uint8Array | ArrayBuffer, options: string | DecodeIndexedPngOptions = {}): Tensor<Uint8Array> {
  const b = asBytes(bytes, 'decodeIndexedPng');
  const file = fileOf(options);
  const o = typeof options === 'string' ? {} : options;
  if (!isPng(b)) throw ioError('decodeIndexedPng', file, 'VIT_IO_MAGIC', `not a PNG: it starts with ${hexHead(b)}.`);
  const png = decodePngImage(b, 'decodeIndexedPng', file, { maxPixels: o.maxPixels ?? 2 ** 28 });
  if (png.colorType !== 3) {
    throw ioError(
      'decodeIndexedPng',
      file,
      'VIT_IO_IMAGE',
      `expected an indexed (palette) PNG, got ${colorName(png.colorType)} ${png.depth}-bit; use decodeLabelPng for grayscale label maps.`,
    );
  }
  return tensor(png.samples as Uint8Array, [png.height, png.width]);
}
