import { readImage, tensor, type Tensor } from '@vit/io';
import { preprocess } from '@vit/runtime';
import type { OpenModel } from '../../types.js';
import { modelTransform } from '../../modelTransform.js';

const IDENTITY = { mean: [0, 0, 0] as const, std: [1 / 255, 1 / 255, 1 / 255] as const };

/**
 * An image as `model` saw it: resized and centre-cropped by the model's transform (same
 * kernel, same rounding), un-normalised back to `[h,w,3]` uint8 RGB for the viewer.
 */
export async function seenImage(path: string, model: Pick<OpenModel, 'preset' | 'imageSize'>): Promise<Tensor<Uint8Array>> {
  const x = preprocess(await readImage(path), { ...modelTransform(model), ...IDENTITY });
  const [, h, w] = x.shape;
  const n = h * w;
  const out = new Uint8Array(n * 3);
  const d = x.data;
  for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) out[i * 3 + c] = Math.min(255, Math.max(0, Math.round(d[x.offset + c * n + i])));
  return tensor(out, [h, w, 3]);
}
