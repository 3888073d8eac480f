import { TorchTensorValue, type TorchTensor } from './pickle.js';

/**
 * Whether a value of a {@link parseTorchCheckpoint} result is one of its tensors (`{ tensor, dtype }`),
 * as opposed to a dict that happens to have those keys.
 * @param x Any value.
 * @returns `true` for a rebuilt torch tensor.
 * @example const weights = Object.entries(sd).filter(([, v]) => isTorchTensor(v));
 */
export function isTorchTensor(x: unknown): x is TorchTensor {
  return x instanceof TorchTensorValue;
}
