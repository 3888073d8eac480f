import { VIT_ERROR_CODES, VitError, VitIoError, VitValueError, type VitErrorCode } from '@vit/io';
import type { RawTensor } from '../instrument/canonicalTaps.js';
import type { PreprocessOptions } from '../preprocess/transform.js';

/** Messages main → inference worker. */
export type InferenceRequest =
  | { type: 'init'; id: number; bytes: Uint8Array; inputName: string; options: { intraOpThreads: number; device: 'cpu' | 'cuda'; externalDataDir?: string } }
  | { type: 'run'; id: number; data: Float32Array; dims: number[] }
  /** Output buffers of an earlier `result`, handed back for reuse (no reply). */
  | { type: 'recycle'; id: number; buffers: ArrayBuffer[] }
  | { type: 'close'; id: number };

/** Messages inference worker → main. */
export type InferenceReply =
  | { type: 'ready'; id: number }
  | { type: 'result'; id: number; outputs: Record<string, RawTensor> }
  | { type: 'error'; id: number; error: SerializedError };

/** Messages main → decode worker: an image path or decoded pixels, and the preprocessing to apply. */
export interface DecodeRequest {
  id: number;
  path?: string;
  image?: { data: Uint8Array; shape: number[] };
  /** Plain, structured-cloneable preprocess options (crop = the model's input size). */
  preprocess: PreprocessOptions;
}

/** Messages decode worker → main. */
export type DecodeReply = { id: number; pixels: Float32Array } | { id: number; error: SerializedError };

/** An error as it crosses a thread boundary. */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  file?: string;
}

export function serializeError(e: unknown): SerializedError {
  const err = e as VitIoError;
  return { name: err?.name ?? 'Error', message: String(err?.message ?? e), code: err?.code, file: err?.file };
}

/** Rebuild a typed error on the main thread (same class family, code and message; the message already names the file). */
export function deserializeError(e: SerializedError): Error {
  const code = (VIT_ERROR_CODES as readonly string[]).includes(e.code ?? '') ? (e.code as VitErrorCode) : undefined;
  const err =
    e.name === 'VitIoError'
      ? new VitIoError(e.message, { code })
      : code && e.name !== 'Error'
        ? new VitValueError(e.message, { code })
        : code
          ? new VitError(e.message, { code })
          : new Error(e.message);
  if (e.file !== undefined && err instanceof VitError) Object.defineProperty(err, 'file', { value: e.file, enumerable: true });
  return err;
}
