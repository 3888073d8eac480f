import { readAll } from './ioUtil.js';
import { parseSafetensors, type SafetensorsResult } from './parseSafetensors.js';

/**
 * Read a safetensors file (see {@link parseSafetensors}).
 * @param path The file.
 * @returns The tensors by name, with their stored dtypes, and the metadata.
 * @throws VitIoError naming `path`: missing (`VIT_NOT_FOUND`), unreadable (`VIT_IO_READ`) or malformed (see {@link parseSafetensors}).
 * @example const { tensors, metadata } = await readSafetensors('vit_small.safetensors');
 */
export async function readSafetensors(path: string): Promise<SafetensorsResult> {
  return parseSafetensors(await readAll(path, 'readSafetensors'), path);
}
