import { asBytes, fileOf } from './ioUtil.js';
import { unpickle, type ParsePickleOptions, type PickleValue } from './pickle.js';

/**
 * Read a Python pickle (protocols 2–5) that holds only data — dict, list, tuple, str, bytes,
 * int, float, bool, None, and numpy arrays of numbers — without executing anything. numpy arrays
 * are rebuilt from their `_reconstruct` + `dtype` + `__setstate__` (or protocol-5 `_frombuffer`)
 * records as data; every other GLOBAL / STACK_GLOBAL, and any REDUCE, BUILD or NEWOBJ on
 * something else, is refused with an error naming it.
 *
 * numpy arrays come back as tensors over the matching typed array (int64 → BigInt64Array,
 * bool → Uint8Array, float16 → Float32Array); Python ints beyond 2^53 come back as bigint.
 * PyTorch checkpoints are zips around a pickle: read them with {@link parseTorchCheckpoint}.
 *
 * @param bytes The pickle file's contents.
 * @param options See {@link ParsePickleOptions}, or just the file name for error messages.
 * @returns The unpickled value.
 * @throws {VitIoError} `VIT_IO_PICKLE_FORBIDDEN` naming the global or opcode it refuses
 *   (e.g. "global os.system"), `VIT_IO_PICKLE` on a truncated or malformed pickle.
 * @example
 * const gnd = parsePickle(await readFile('gnd_roxford5k.pkl'), { file: 'gnd_roxford5k.pkl' }) as PickleDict;
 * console.log((gnd.imlist as string[]).length);
 */
export function parsePickle(bytes: Uint8Array | ArrayBuffer, options: string | ParsePickleOptions = {}): PickleValue {
  const b = asBytes(bytes, 'parsePickle');
  const o = typeof options === 'string' ? { file: fileOf(options) } : options;
  return unpickle(b, { ...o, fn: 'parsePickle' });
}
