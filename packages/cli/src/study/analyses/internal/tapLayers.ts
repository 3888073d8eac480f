import { VitValueError, contiguous, type Tensor } from '@vit/io';
import type { Capture, TapName } from '@vit/runtime';

/**
 * The tensors of `tap` for `layers` (1-based) out of a pass's capture, which may hold more
 * layers (the planner takes the union of every analysis's layers), each C-contiguous.
 * @throws VitValueError when the capture lacks the tap or one of the layers (a planner bug).
 */
export function tapLayers(capture: Pick<Capture, 'taps' | 'layers'>, tap: TapName, layers: readonly number[]): Tensor<Float32Array>[] {
  const list = capture.taps[tap];
  if (!Array.isArray(list)) throw new VitValueError(`the pass's capture has no '${tap}' tap; the study's plan must request it (taps: ${Object.keys(capture.taps).join(', ')}).`);
  return layers.map((l) => {
    const i = capture.layers.indexOf(l);
    if (i < 0 || !list[i]) throw new VitValueError(`the pass's capture has no layer ${l} of the '${tap}' tap (has ${capture.layers.join(', ')}); the study's plan must request it.`);
    return contiguous(list[i] as Tensor<Float32Array>);
  });
}
