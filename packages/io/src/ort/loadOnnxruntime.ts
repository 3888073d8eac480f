import type * as Ort from 'onnxruntime-node';
import { VitValueError } from '../errors.js';

let loading: Promise<typeof Ort> | undefined;

/**
 * `onnxruntime-node`, imported on first use and cached (it is an optional peer dependency
 * of `@vit/io`). Internal.
 * @throws VitValueError (code `VIT_BACKEND_UNAVAILABLE`) when it is not installed or its
 * native binding does not load.
 */
export function loadOnnxruntime(): Promise<typeof Ort> {
  loading ??= import('onnxruntime-node').then(
    (m) => ((m as { InferenceSession?: unknown }).InferenceSession ? m : (m as unknown as { default: typeof Ort }).default),
    (cause: unknown) => {
      loading = undefined;
      throw new VitValueError(
        `onnxruntime-node could not be loaded (${(cause as Error)?.message?.split('\n')[0] ?? cause}). Install it with \`npm install onnxruntime-node\` or pass \`backend: referenceBackend\`.`,
        { code: 'VIT_BACKEND_UNAVAILABLE', cause },
      );
    },
  );
  return loading;
}
