import { readAll } from './ioUtil.js';
import { parseNpz } from './parseNpz.js';
import type { Tensor, TypedArray } from './tensor.js';

/**
 * Read a numpy `.npz` archive (see {@link parseNpz}).
 * @param path The file.
 * @returns The arrays by name, in C order.
 * @throws VitIoError naming `path`: missing (`VIT_NOT_FOUND`), unreadable (`VIT_IO_READ`) or malformed (see {@link parseNpz}).
 * @example const arrays = await readNpz('features.npz');
 */
export async function readNpz(path: string): Promise<Record<string, Tensor<TypedArray>>> {
  return parseNpz(await readAll(path, 'readNpz'), path);
}
