import { VitValueError, shapeText, type Tensor } from '@vit/io';
import { checkMass } from './internal/saliency.js';
import { massMask } from './internal/view.js';

/** Options of {@link saliencyMask}. */
export interface SaliencyMaskOptions {
  /**
   * The share of the map's total the mask keeps, in `(0, 1]` (SPEC 5).
   * @default 0.6
   */
  mass?: number;
}

/**
 * The saliency mask of SPEC 5: normalise `map` to sum 1, take tokens in decreasing order of
 * mass (ties by token index) until the cumulative mass reaches `mass` (compared within a
 * relative 1e-6, so an exact 0.6 on paper is not lost to float32 rounding).
 *
 * @param map A non-negative map `[gh,gw]` (e.g. one head of {@link clsAttention}).
 * @param options `mass`: the share of the total to keep (0.6).
 * @returns Row-major 0/1 `Uint8Array` of length `gh·gw`.
 * @throws VitValueError when `map` is not 2-D, has a negative or non-finite value, sums to 0,
 *   or `mass` is outside `(0, 1]`.
 * @example
 * saliencyMask(tensor(new Float32Array([0.5, 0.3, 0.1, 0.1]), [2, 2]), { mass: 0.6 }) // Uint8Array [1,1,0,0]
 */
export function saliencyMask(map: Tensor, options: SaliencyMaskOptions = {}): Uint8Array {
  const fn = 'saliencyMask';
  const mass = checkMass(options.mass ?? 0.6, fn);
  if (!map || !Array.isArray(map.shape) || !ArrayBuffer.isView(map.data) || map.shape.length !== 2) {
    throw new VitValueError(`\`map\` of ${fn} must be an ndarray tensor [gh,gw]. Got ${map && Array.isArray(map.shape) ? shapeText(map.shape) : typeof map}.`);
  }
  const [gh, gw] = map.shape;
  const n = gh * gw;
  const flat = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < gh; i++)
    for (let j = 0; j < gw; j++) {
      const x = Number((map.data as unknown as ArrayLike<number>)[map.offset + i * map.stride[0] + j * map.stride[1]]);
      if (!Number.isFinite(x) || x < 0) {
        throw new VitValueError(`\`map\` of ${fn} must be finite and ≥ 0. Got ${x} at [${i},${j}].`);
      }
      flat[i * gw + j] = x;
      total += x;
    }
  if (!(total > 0)) throw new VitValueError(`\`map\` of ${fn} must have a positive sum. Got ${total}.`);
  const out = new Uint8Array(n);
  massMask(flat, 0, n, mass, out, new Float64Array(n));
  return out;
}
