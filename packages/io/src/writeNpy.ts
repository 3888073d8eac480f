import { atomicWrite } from './atomicWrite.js';
import { npyParts, type SerializeNpyOptions } from './serializeNpy.js';
import type { Tensor, TypedArray } from './tensor.js';

/**
 * Write a tensor as a numpy `.npy` file, atomically (temporary file, fsync, rename), so
 * `numpy.load(path)` gives the same values.
 * @param path Destination file.
 * @param t Any tensor over a typed array.
 * @param options See {@link serializeNpy}.
 * @throws VitIoError (`VIT_IO_WRITE`) naming `path`; VitValueError for a bad tensor or dtype.
 * @example await writeNpy('out/cka.npy', cka)
 */
export async function writeNpy(path: string, t: Tensor<TypedArray>, options: SerializeNpyOptions = {}): Promise<void> {
  await atomicWrite(path, npyParts(t, options, 'writeNpy'));
}
