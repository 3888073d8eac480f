import { open } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { VitIoError, VitValueError } from '@vit/io';

/**
 * Bytes of a model given as a path or as bytes, and the folder its external-data files are read from
 * (the model's folder for a path; `externalDataDir` when given).
 * @throws VitIoError (`VIT_NOT_FOUND`) when the path does not exist; VitValueError for other argument types.
 */
export async function readModel(
  model: string | Uint8Array,
  fn: string,
  externalDataDir?: string,
): Promise<{ bytes: Uint8Array; file?: string; externalDataDir?: string }> {
  if (externalDataDir !== undefined && typeof externalDataDir !== 'string') {
    throw new VitValueError(`\`externalDataDir\` of ${fn} must be a folder path. Got ${typeof externalDataDir}.`);
  }
  const dir = externalDataDir === undefined ? undefined : resolve(externalDataDir);
  if (model instanceof Uint8Array) return { bytes: model, externalDataDir: dir };
  if (typeof model !== 'string') {
    throw new VitValueError(`\`model\` of ${fn} must be a path or the bytes of an ONNX file. Got ${model === null ? 'null' : typeof model}.`);
  }
  try {
    return { bytes: await readWithSpareRoom(model), file: model, externalDataDir: dir ?? dirname(resolve(model)) };
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new VitIoError('model file not found.', { file: model, cause, code: 'VIT_NOT_FOUND' });
    if (code === 'EISDIR') throw new VitIoError('is a directory, not an ONNX file.', { file: model, cause, code: 'VIT_NOT_ONNX' });
    throw new VitIoError(`cannot read the model (${(cause as Error).message}).`, { file: model, cause, code: 'VIT_IO_READ' });
  }
}

/** Bytes a file's buffer keeps free after its content, for the outputs instrumenting appends. */
const SPARE = 1 << 20;
/** Buffers read here: their bytes after the file's content are ours to write. */
const spare = new WeakSet<ArrayBufferLike>();

/** The file's bytes, at the start of a buffer {@link SPARE} bytes longer (see {@link spareRoom}). */
async function readWithSpareRoom(path: string): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const buf = new Uint8Array(size + SPARE);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await fh.read(buf, at, size - at, at);
      if (bytesRead === 0) break; // the file shrank while read
      at += bytesRead;
    }
    spare.add(buf.buffer);
    return buf.subarray(0, at);
  } finally {
    await fh.close();
  }
}

/**
 * How many bytes may be written right after `bytes` in its own buffer: non-zero only for bytes
 * {@link readModel} read from a file (a caller's buffer is never written past its view). Lets
 * the 88 MB of a ViT-S take a few appended outputs without being copied.
 */
export function spareRoom(bytes: Uint8Array): number {
  return bytes.byteOffset === 0 && spare.has(bytes.buffer) ? bytes.buffer.byteLength - bytes.byteLength : 0;
}
