import { atomicWrite } from './atomicWrite.js';
import { serializeSafetensors, type SafetensorsEntry } from './serializeSafetensors.js';

/**
 * Write named tensors as a safetensors file, atomically (temporary file, fsync, rename).
 * @param path Destination file.
 * @param tensors Tensors by name, optionally with a dtype each (see {@link serializeSafetensors}).
 * @param metadata Optional string → string metadata.
 * @throws VitIoError (`VIT_IO_WRITE`) naming `path`; VitValueError for bad input.
 * @example await writeSafetensors('model.safetensors', { 'head.weight': { tensor: w, dtype: 'BF16' } })
 */
export async function writeSafetensors(path: string, tensors: Record<string, SafetensorsEntry>, metadata?: Record<string, string>): Promise<void> {
  await atomicWrite(path, serializeSafetensors(tensors, metadata));
}
