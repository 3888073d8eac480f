import { zipSync, type Zippable } from 'fflate';
import { VitValueError } from './errors.js';
import { serializeNpy } from './serializeNpy.js';
import type { DType, Tensor, TypedArray } from './tensor.js';

/** Options of {@link serializeNpz}. */
export interface SerializeNpzOptions {
  /** Deflate the members (like `numpy.savez_compressed`) instead of storing them (like `numpy.savez`). @default false */
  compress?: boolean;
}

/** A tensor, or a tensor with the element type to store it as (e.g. `'bool'`, `'float16'`). */
export type NpzEntry = Tensor<TypedArray> | { tensor: Tensor<TypedArray>; dtype: DType };

/**
 * Serialise named tensors as a numpy `.npz` archive (each one a `<name>.npy` member) that
 * `numpy.load` reads. Member timestamps are fixed (1980-01-01) so equal input gives equal bytes.
 * @param arrays Tensors by name; names must be non-empty.
 * @param options Compression.
 * @returns The complete file contents.
 * @throws VitValueError for an empty name or a value that is not a tensor.
 * @example await atomicWrite('feats.npz', serializeNpz({ features, labels }, { compress: true }))
 */
export function serializeNpz(arrays: Record<string, NpzEntry>, options: SerializeNpzOptions = {}): Uint8Array {
  if (!arrays || typeof arrays !== 'object') {
    throw new VitValueError(`\`arrays\` of serializeNpz must be an object of tensors by name. Got ${arrays === null ? 'null' : typeof arrays}.`);
  }
  const level = options.compress ? 6 : 0;
  const files: Zippable = {};
  for (const [name, v] of Object.entries(arrays)) {
    if (name === '') throw new VitValueError('`arrays` of serializeNpz must not contain an empty name.');
    const entry = v && typeof v === 'object' && 'tensor' in v && 'dtype' in v ? v : { tensor: v as Tensor<TypedArray>, dtype: undefined };
    const npy = serializeNpy(entry.tensor, { dtype: entry.dtype });
    files[`${name}.npy`] = [npy, { level, mtime: new Date(1980, 0, 1) }];
  }
  return zipSync(files);
}
