import { VitValueError, tensor } from '@vit/io';
import type { Tensor } from '@vit/io';
import type { Data } from 'ndarray';
import { Prng } from '@vit/io';

export interface GaussianLikeOptions {
  /** Seed of the PRNG of `@vit/io`: the same seed gives the same noise. @default 0 */
  seed?: number;
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
 * @param options seed, mean and std of the noise.
 * @returns a float32 tensor with `t.shape`, i.i.d. N(mean, std²).
 * @throws VitValueError when `t` is not a tensor or `seed`/`std` are not finite (std ≥ 0).
 * @example
 * const noise = gaussianLike(feats, { seed: 0 });
 * const baseline = await cka(noise, other);
 */
export function gaussianLike(t: Tensor<Data>, options: GaussianLikeOptions = {}): Tensor {
  const seed = options.seed ?? 0;
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
  const out = new Float32Array(size);
  new Prng(seed, 'gaussianLike').fillNormal(out, std);
  if (mean !== 0) for (let i = 0; i < size; i++) out[i] += mean;
  return tensor(out, t.shape);
}
