import { VitValueError } from '@vit/io';
import { tensor } from '@vit/io';
import type { Tensor } from '@vit/io';
import type { Data } from 'ndarray';
import { Rng } from './internal/rng.js';

export interface GaussianLikeOptions {
  /** Mean of the noise. @default 0 */
  mean?: number;
  /** Standard deviation of the noise. @default 1 */
  std?: number;
}

/**
 * The random baseline (SPEC 12): seeded Gaussian noise of exactly the shape of `t` (a new
 * C-contiguous float32 tensor), so any metric can be rerun on noise. Same seed ⇒ same noise.
 *
 * @param t any tensor; only its shape is used.
 * @param seed integer seed of the deterministic RNG.
 * @returns a float32 tensor with `t.shape`, i.i.d. N(mean, std²).
 * @throws VitValueError when `t` is not a tensor or `seed`/`std` are not finite (std ≥ 0).
 * @example
 * const noise = gaussianLike(feats, 0);
 * const baseline = await cka(noise, other);
 */
export function gaussianLike(t: Tensor<Data>, seed: number, options: GaussianLikeOptions = {}): Tensor {
  if (!t || typeof t !== 'object' || !Array.isArray(t.shape)) {
    throw new VitValueError(`\`t\` of gaussianLike must be an ndarray tensor. Got ${t === null ? 'null' : typeof t}.`);
  }
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new VitValueError(`\`seed\` of gaussianLike must be a finite number. Got ${seed}.`);
  const mean = options.mean ?? 0;
  const std = options.std ?? 1;
  if (!Number.isFinite(mean) || !Number.isFinite(std) || std < 0) {
    throw new VitValueError(`\`std\` of gaussianLike must be finite and ≥ 0, \`mean\` finite. Got mean ${mean}, std ${std}.`);
  }
  const size = t.shape.reduce((a, b) => a * b, 1);
  const rng = new Rng(seed);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = mean + std * rng.normal();
  return tensor(out, t.shape);
}
