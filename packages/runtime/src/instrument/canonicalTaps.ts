import { tensor, VitValueError, type Tensor } from '@vit/io';
import type { ModelInfo, TapName, TapOutput } from './types.js';

/** A raw run result: row-major data and its dims, as onnxruntime returns it. */
export interface RawTensor {
  data: Float32Array;
  dims: readonly number[];
}

/**
 * Turn a run's raw outputs into canonical taps: attention `[B,H,T,T]`, token taps `[B,T,D]`, token
 * taps cut to their CLS token `[B,1,D]`.
 * `[B·H,T,T]`, `[B·T,D]` and `[B,T,D]` are views (no copy); `[T,B,D]` is transposed once.
 * When the graph ran on a padded batch (static batch axis), only the first `batch` images are kept.
 *
 * @param raw graph outputs by name.
 * @param outputs the `outputs` of {@link instrumentModel}.
 * @param info the model's {@link ModelInfo}.
 * @param batch images in this batch `B`.
 * @returns taps by name, each an array over the tapped layers in `outputs` order.
 * @throws VitValueError when an output is missing or has an unexpected size.
 * @example const taps = canonicalTaps(results, outputs, info, 8); taps.attention[0].shape // [8,H,T,T]
 */
export function canonicalTaps(
  raw: Record<string, RawTensor>,
  outputs: readonly TapOutput[],
  info: ModelInfo,
  batch: number,
): Partial<Record<TapName, Tensor[]>> {
  const { heads: H, tokens: T, dim: D } = info;
  const taps: Partial<Record<TapName, Tensor[]>> = {};
  const cache = new Map<string, Tensor>();
  for (const o of outputs) {
    let t = cache.get(o.name);
    if (!t) {
      const r = raw[o.name];
      if (!r) throw new VitValueError(`\`raw\` of canonicalTaps has no output "${o.name}" (${o.tap} of block ${o.layer}).`);
      t = canonical(r, o, batch, H, T, D);
      cache.set(o.name, t);
    }
    (taps[o.tap] ??= []).push(t);
  }
  return taps;
}

function canonical(r: RawTensor, o: TapOutput, B: number, H: number, T: number, D: number): Tensor {
  if (o.tokens === 'cls') {
    // [B,1,D] (or [1,B,D]): the same B·D floats, image-major.
    if (r.data.length % D !== 0 || r.data.length / D < B) throw new VitValueError(`output "${o.name}" (CLS token of ${o.tap} of block ${o.layer}) has shape [${r.dims.join(',')}]; expected ${B} image(s) of ${D} values.`);
    return tensor(r.data.subarray(0, B * D), [B, 1, D]);
  }
  const per = o.layout === 'BHTT' || o.layout === 'BH_TT' ? H * T * T : T * D;
  const bp = r.data.length / per;
  if (!Number.isInteger(bp) || bp < B) {
    throw new VitValueError(`output "${o.name}" (${o.tap} of block ${o.layer}) has shape [${r.dims.join(',')}]; expected ${B} image(s) of ${per} values.`);
  }
  switch (o.layout) {
    case 'BHTT':
    case 'BH_TT':
      return tensor(r.data.subarray(0, B * per), [B, H, T, T]);
    case 'BTD':
    case 'BT_D':
      return tensor(r.data.subarray(0, B * per), [B, T, D]);
    case 'TBD': {
      // [T,Bp,D] → [B,T,D]: one pass, contiguous D-runs copied with set().
      const out = new Float32Array(B * T * D);
      for (let b = 0; b < B; b++) {
        for (let t = 0; t < T; t++) {
          const src = (t * bp + b) * D;
          out.set(r.data.subarray(src, src + D), (b * T + t) * D);
        }
      }
      return tensor(out, [B, T, D]);
    }
  }
}
