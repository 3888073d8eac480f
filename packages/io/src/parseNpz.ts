import { asBytes, fileOf, ioError } from './ioUtil.js';
import { parseNpy } from './parseNpy.js';
import type { Tensor, TypedArray } from './tensor.js';
import { readZip } from './zip.js';

/** Options of {@link parseNpz}. */
export interface ParseNpzOptions {
  /** File name used in error messages. @default undefined (messages name `parseNpz`) */
  file?: string;
}

/**
 * Parse the bytes of a numpy `.npz` archive (what `numpy.savez` / `savez_compressed` write):
 * a zip of `.npy` members, stored or deflated, zip64 included. Every member is CRC-checked
 * and parsed as by {@link parseNpy}.
 * @param bytes The whole file.
 * @param options Options, or just the file name for error messages.
 * @returns The arrays by name (the member name without `.npy`), in C order.
 * @throws VitIoError (`VIT_IO_MAGIC`, `VIT_IO_TRUNCATED`, `VIT_IO_ZIP`, or any {@link parseNpy}
 *   code) naming the file and member; also for a member that is not `.npy` or a repeated name.
 * @example const { features, labels } = parseNpz(await readFile('feats.npz'));
 */
export function parseNpz(bytes: Uint8Array | ArrayBuffer, options: string | ParseNpzOptions = {}): Record<string, Tensor<TypedArray>> {
  const b = asBytes(bytes, 'parseNpz');
  const file = fileOf(options);
  const out: Record<string, Tensor<TypedArray>> = Object.create(null);
  for (const m of readZip(b, 'parseNpz', file)) {
    if (m.name.endsWith('/') && m.data.length === 0) continue; // directory entry
    if (!m.name.endsWith('.npy')) {
      throw ioError('parseNpz', file, 'VIT_IO_ZIP', `.npz member '${m.name}' is not an .npy array.`);
    }
    const key = m.name.slice(0, -4);
    if (key in out) throw ioError('parseNpz', file, 'VIT_IO_ZIP', `.npz has two members named '${m.name}'.`);
    out[key] = parseNpy(m.data, `${file ?? 'parseNpz'}[${m.name}]`).tensor;
  }
  return { ...out };
}
