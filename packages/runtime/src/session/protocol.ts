import { VitError, VitIoError, VitValueError } from '@vit/io';
import type { RawTensor } from '../instrument/canonicalTaps.js';
import type { PreprocessOptions } from '../preprocess/transform.js';

/** Messages main → inference worker. */
export type InferenceRequest =
  | { type: 'init'; id: number; bytes: Uint8Array; inputName: string; options: { intraOpThreads: number; device: 'cpu' | 'cuda' } }
  | { type: 'run'; id: number; data: Float32Array; dims: number[] }
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

/** Rebuild a typed error on the main thread (same class family, code and message). */
export function deserializeError(e: SerializedError): Error {
  if (e.name === 'VitIoError') {
    const err = new VitIoError(e.message, { code: e.code });
    return err;
  }
  if (e.code && e.name !== 'Error') return new VitValueError(e.message, { code: e.code });
  if (e.code) return new VitError(e.code, e.message);
  return new Error(e.message);
}
