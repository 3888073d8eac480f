import { zipSync, type Zippable } from 'fflate';
import { VitValueError } from './errors.js';
import { joinParts } from './ioUtil.js';
import { npyParts, serializeNpy } from './serializeNpy.js';
import type { DType, Tensor, TypedArray } from './tensor.js';
import { storedZipParts } from './zip.js';

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
  return joinParts(serializeNpzParts(arrays, options, 'serializeNpz'));
}

/**
 * The same `.npz` file as {@link serializeNpz}, as the list of its parts in order, for
 * {@link atomicWrite}: a stored archive's members are views of the tensors' own memory wherever
 * the element type needs no conversion, so a large archive is never copied into one buffer.
 * Do not change the tensors until the parts are written.
 * @param arrays Tensors by name; names must be non-empty.
 * @param options Compression (a compressed archive comes as one part).
 * @returns The file's bytes, in parts.
 * @throws VitValueError for an empty name or a value that is not a tensor.
 * @example await atomicWrite('state.npz', serializeNpzParts({ rows, labels }))
 */
export function serializeNpzParts(arrays: Record<string, NpzEntry>, options: SerializeNpzOptions = {}, fn = 'serializeNpzParts'): Uint8Array[] {
  if (!arrays || typeof arrays !== 'object') {
    throw new VitValueError(`\`arrays\` of ${fn} must be an object of tensors by name. Got ${arrays === null ? 'null' : typeof arrays}.`);
  }
  const entries = Object.entries(arrays).map(([name, v]) => {
    if (name === '') throw new VitValueError(`\`arrays\` of ${fn} must not contain an empty name.`);
    const entry = v && typeof v === 'object' && 'tensor' in v && 'dtype' in v ? v : { tensor: v as Tensor<TypedArray>, dtype: undefined };
    return { name: `${name}.npy`, entry };
  });
  if (options.compress) {
    const files: Zippable = {};
    for (const { name, entry } of entries) files[name] = [serializeNpy(entry.tensor, { dtype: entry.dtype }), { level: 6, mtime: new Date(1980, 0, 1) }];
    return [zipSync(files)];
  }
  return storedZipParts(entries.map(({ name, entry }) => ({ name, parts: npyParts(entry.tensor, { dtype: entry.dtype }, fn) })));
}
