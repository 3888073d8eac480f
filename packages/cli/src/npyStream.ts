import { open, type FileHandle } from 'node:fs/promises';
import { serializeNpy, tensor, VitValueError, type Tensor } from '@vit/io';

// Fixed header size (a multiple of 64, as the .npy format asks): room for any shape, so the
// leading dimension can be filled in after the last batch without moving the data.
const HEADER_BYTES = 128;

/** Element type written by {@link NpyStream}. */
export type NpyStreamDType = 'float32' | 'float16';

/**
 * A float32 (or float16) `.npy` file written batch by batch along its first axis (bounded memory
 * whatever the number of images): a placeholder header, the rows as they come, then the real
 * header in place. float16 rows are rounded to nearest even by @vit/io's `serializeNpy`.
 */
export class NpyStream {
  private rows = 0;
  private position = HEADER_BYTES;
  private constructor(
    private readonly fh: FileHandle,
    readonly path: string,
    private readonly rowShape: readonly number[],
    readonly dtype: NpyStreamDType,
  ) {}

  static async create(path: string, rowShape: readonly number[], dtype: NpyStreamDType = 'float32'): Promise<NpyStream> {
    const fh = await open(path, 'wx');
    const s = new NpyStream(fh, path, rowShape, dtype);
    await fh.write(s.header(0), 0, HEADER_BYTES, 0);
    return s;
  }

  /** Append `[B, ...rowShape]` rows (C-contiguous canonical tensors, as captures carry). */
  async append(t: Tensor<Float32Array>): Promise<void> {
    if (t.shape.slice(1).join() !== this.rowShape.join()) {
      throw new VitValueError(`rows for ${this.path} must have shape [B,${this.rowShape.join(',')}]. Got [${t.shape.join(',')}].`);
    }
    const data = t.data.subarray(t.offset, t.offset + t.size);
    const bytes = this.dtype === 'float32' ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : halfBytes(data, t.shape);
    await this.fh.write(bytes, 0, bytes.byteLength, this.position);
    this.position += bytes.byteLength;
    this.rows += t.shape[0];
  }

  /** Write the final header (shape `[rows, ...rowShape]`) and close. */
  async close(): Promise<[number, ...number[]]> {
    await this.fh.write(this.header(this.rows), 0, HEADER_BYTES, 0);
    await this.fh.close();
    return [this.rows, ...this.rowShape];
  }

  /** Close without finishing (the caller removes the file). */
  async abort(): Promise<void> {
    await this.fh.close().catch(() => {});
  }

  private header(rows: number): Uint8Array {
    const shape = [rows, ...this.rowShape];
    const dict = `{'descr': '${this.dtype === 'float16' ? '<f2' : '<f4'}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
    const pad = HEADER_BYTES - 10 - dict.length - 1;
    if (pad < 0) throw new VitValueError(`shape [${shape.join(',')}] is too long for a .npy header.`);
    const text = `${dict}${' '.repeat(pad)}\n`;
    const out = new Uint8Array(HEADER_BYTES);
    out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0); // \x93NUMPY v1.0
    new DataView(out.buffer).setUint16(8, text.length, true);
    for (let i = 0; i < text.length; i++) out[10 + i] = text.charCodeAt(i);
    return out;
  }
}

/** float32 → little-endian float16 bytes through serializeNpy (the payload after its header). */
function halfBytes(data: Float32Array, shape: readonly number[]): Uint8Array {
  const npy = serializeNpy(tensor(data, [data.length]), { dtype: 'float16' });
  const major = npy[6];
  const headerLen = major === 1 ? 10 + (npy[8] | (npy[9] << 8)) : 12 + (npy[8] | (npy[9] << 8) | (npy[10] << 16) | (npy[11] << 24));
  const out = npy.subarray(headerLen);
  if (out.byteLength !== 2 * data.length) throw new VitValueError(`float16 encoding of a [${shape.join(',')}] batch gave ${out.byteLength} bytes.`);
  return out;
}
