import { readFile } from 'node:fs/promises';
import { VitIoError, VitValueError } from '@vit/io';

/**
 * Bytes of a model given as a path or as bytes.
 * @throws VitIoError (`VIT_NOT_FOUND`) when the path does not exist; VitValueError for other argument types.
 */
export async function readModel(model: string | Uint8Array, fn: string): Promise<{ bytes: Uint8Array; file?: string }> {
  if (model instanceof Uint8Array) return { bytes: model };
  if (typeof model !== 'string') {
    throw new VitValueError(`\`model\` of ${fn} must be a path or the bytes of an ONNX file. Got ${model === null ? 'null' : typeof model}.`);
  }
  try {
    const buf = await readFile(model);
    return { bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), file: model };
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new VitIoError('model file not found.', { file: model, cause, code: 'VIT_NOT_FOUND' });
    if (code === 'EISDIR') throw new VitIoError('is a directory, not an ONNX file.', { file: model, cause, code: 'VIT_NOT_ONNX' });
    throw new VitIoError(`cannot read the model (${(cause as Error).message}).`, { file: model, cause, code: 'VIT_IO_READ' });
  }
}
