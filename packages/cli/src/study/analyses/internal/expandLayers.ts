import { tensor, type Tensor } from '@vit/io';

/**
 * A per-layer tensor `[L',…]` over the selected 1-based `layers`, laid out over every layer
 * `[L,…]` of the model with NaN for the layers that were not analysed (the report's "not
 * computed"). Returns `t` itself when every layer was selected.
 */
export function expandLayers(t: Tensor, layers: readonly number[], L: number): Tensor {
  if (layers.length === L) return t;
  const per = t.shape.slice(1).reduce((a, b) => a * b, 1);
  const src = t.data as unknown as ArrayLike<number>;
  const out = new Float32Array(L * per).fill(NaN);
  layers.forEach((l, i) => {
    for (let k = 0; k < per; k++) out[(l - 1) * per + k] = src[t.offset + i * per + k];
  });
  return tensor(out, [L, ...t.shape.slice(1)]);
}
