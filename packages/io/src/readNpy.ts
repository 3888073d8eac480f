import { readAll } from './ioUtil.js';
import { parseNpy, type NpyResult } from './parseNpy.js';

/**
 * Read a numpy `.npy` file (see {@link parseNpy} for what is supported).
 * @param path The file.
 * @returns The tensor in C order and its stored dtype, order and version.
 * @throws VitIoError naming `path`: missing (`VIT_NOT_FOUND`), unreadable (`VIT_IO_READ`) or malformed (see {@link parseNpy}).
 * @example const { tensor } = await readNpy('cls_attention.npy');
 */
export async function readNpy(path: string): Promise<NpyResult> {
  return parseNpy(await readAll(path, 'readNpy'), path);
}
