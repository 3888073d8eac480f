import { VitIoError, parsePickle } from '@vit/io';
import type { ParsePickleOptions, PickleValue } from '@vit/io';
import { VitDatasetError } from './errors.js';

export type { PickleDict, PickleKey, PickleValue } from '@vit/io';
/** Options of {@link readPickle}: those of `parsePickle` of `@vit/io`. */
export type ReadPickleOptions = ParsePickleOptions;

/**
 * Reads a Python pickle that holds only data, without executing anything: `parsePickle` of
 * `@vit/io` (where the restricted unpickler lives, shared with the PyTorch checkpoint reader),
 * with its errors reported as dataset errors.
 *
 * @param bytes The pickle file's contents.
 * @param options See `ParsePickleOptions` of `@vit/io`.
 * @returns The unpickled value.
 * @throws {VitDatasetError} `VIT_PICKLE_FORBIDDEN` naming the global or opcode it refuses
 *   (e.g. "global os.system"), `VIT_PICKLE_FORMAT` on a truncated or malformed pickle.
 * @example
 * const gnd = readPickle(await readFile('gnd_roxford5k.pkl'), { file: 'gnd_roxford5k.pkl' }) as PickleDict;
 * console.log((gnd.imlist as string[]).length);
 */
export function readPickle(bytes: Uint8Array, options: ReadPickleOptions = {}): PickleValue {
  if (!(bytes instanceof Uint8Array)) {
    throw new VitDatasetError(`\`bytes\` of readPickle must be a Uint8Array. Got ${bytes === null ? 'null' : typeof bytes}.`, { code: 'VIT_PICKLE_FORMAT', file: options.file });
  }
  try {
    return parsePickle(bytes, options);
  } catch (e) {
    if (e instanceof VitIoError && (e.code === 'VIT_IO_PICKLE' || e.code === 'VIT_IO_PICKLE_FORBIDDEN')) {
      const own = options.file && e.message.startsWith(`${options.file}: `) ? e.message.slice(options.file.length + 2) : e.message;
      const code = e.code === 'VIT_IO_PICKLE' ? 'VIT_PICKLE_FORMAT' : 'VIT_PICKLE_FORBIDDEN';
      throw new VitDatasetError(own.replace(/^parsePickle/, 'readPickle'), { code, file: options.file, cause: e });
    }
    throw e;
  }
}
