import { atomicWrite } from './atomicWrite.js';
import { serializeNpzParts, type NpzEntry, type SerializeNpzOptions } from './serializeNpz.js';

/**
 * Write named tensors as a numpy `.npz` archive, atomically (temporary file, fsync, rename).
 * @param path Destination file.
 * @param arrays Tensors by name (see {@link serializeNpz}).
 * @param options Compression.
 * @throws VitIoError (`VIT_IO_WRITE`) naming `path`; VitValueError for bad input.
 * @example await writeNpz('out/features.npz', { layer1, layer2 }, { compress: true })
 */
export async function writeNpz(path: string, arrays: Record<string, NpzEntry>, options: SerializeNpzOptions = {}): Promise<void> {
  await atomicWrite(path, serializeNpzParts(arrays, options, 'writeNpz'));
}
