import { VitValueError, type VitErrorCode } from '@vit/io';

/**
 * Codes of {@link VitModelError}:
 * `VIT_FUSED_ATTENTION` (attention fused into one op), `VIT_NO_ATTENTION` (e.g. a CNN),
 * `VIT_SOFTMAX_NOT_OVER_KEYS`, `VIT_UNSUPPORTED_GRAPH` (a structure the instrumentation cannot read).
 */
export type ModelErrorCode = Extract<VitErrorCode, 'VIT_FUSED_ATTENTION' | 'VIT_NO_ATTENTION' | 'VIT_SOFTMAX_NOT_OVER_KEYS' | 'VIT_UNSUPPORTED_GRAPH'>;

/**
 * The ONNX graph is readable but is not a ViT the instrumentation can tap; the message says why in one line.
 * @example throw new VitModelError('no self-attention found; is this a Vision Transformer?', { code: 'VIT_NO_ATTENTION' })
 */
export class VitModelError extends VitValueError {
  declare readonly code: ModelErrorCode;
  constructor(message: string, options: { code: ModelErrorCode; file?: string; cause?: unknown }) {
    super(message, options);
  }
}
