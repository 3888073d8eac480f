import { VitValueError, tensor, type Tensor, type TypedArray } from '@vit/io';
import { Prng } from '@vit/io';
import { resolveConfig } from './resolveViTConfig.js';
import type { ViTConfig } from './types.js';
import { relativePositionIndex } from './relativePositionIndex.js';
import { vitParameters, type ParamSpec } from './vitParameters.js';

/** Options of {@link randomViTWeights}. */
export interface RandomViTWeightsOptions {
  /** Seed; the same seed, parameter name and shape always give the same values. Any safe integer. @default 0 */
  seed?: number;
  /** Initial value of every LayerScale `gamma` (timm's `init_values`; BEiT uses 0.1, DeiT III 1e-5). @default 0.1 */
  layerScaleInit?: number;
}

/**
 * Seeded random weights for a config, by timm name, initialised as timm's
 * `VisionTransformer.init_weights` does: linear weights, `pos_embed` and the relative position
 * tables trunc-normal with std 0.02 (bounds ±2, absolute, as timm's `trunc_normal_`); `cls_token`
 * and `reg_token` normal with std 1e-6; linear biases and q/v biases zero; LayerNorms weight 1,
 * bias 0; the patch Conv as PyTorch's default (uniform in ±1/√fan_in for weight and bias);
 * LayerScale `gamma` = `layerScaleInit`. (timm leaves BEiT's relative position table at zero; a
 * small random table makes the bias visible in tests.) BEiT's `relative_position_index` is included
 * as an int64 tensor. Every tensor has its own PRNG stream (see `prng.ts`), so adding blocks does not
 * change the earlier ones.
 *
 * @param config the architecture.
 * @param options seed and LayerScale init.
 * @returns float32 tensors (int64 for the relative position index) keyed by timm name; pass them to
 *   `buildViT` or save them with `writeSafetensors`.
 * @throws VitValueError (code `VIT_CONFIG`) for an invalid config, or when `seed` is not a safe integer.
 * @example
 * const w = randomViTWeights({ imageSize: 32, patchSize: 8, dim: 64, depth: 2, heads: 4 }, { seed: 7 });
 * w['blocks.0.attn.qkv.weight'].shape; // [192, 64]
 */
export function randomViTWeights(config: ViTConfig, options: RandomViTWeightsOptions = {}): Record<string, Tensor<TypedArray>> {
  const c = resolveConfig(config, 'randomViTWeights');
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed)) {
    throw new VitValueError(`\`seed\` of randomViTWeights must be a safe integer. Got ${seed}.`);
  }
  const ls = options.layerScaleInit ?? 0.1;
  if (!Number.isFinite(ls)) throw new VitValueError(`\`layerScaleInit\` of randomViTWeights must be a finite number. Got ${ls}.`);
  const out: Record<string, Tensor<TypedArray>> = {};
  for (const p of vitParameters(c)) {
    if (p.init === 'relPosIndex') {
      out[p.name] = tensor(BigInt64Array.from(relativePositionIndex(c.grid, c.prefixTokens), (v) => BigInt(v)), p.shape);
      continue;
    }
    out[p.name] = tensor(initialise(p, seed, ls), p.shape);
  }
  return out;
}

function initialise(p: ParamSpec, seed: number, layerScale: number): Float32Array {
  let n = 1;
  for (const s of p.shape) n *= s;
  const a = new Float32Array(n);
  const rng = new Prng(seed, p.name);
  switch (p.init) {
    case 'zeros':
      break;
    case 'ones':
      a.fill(1);
      break;
    case 'layerScale':
      a.fill(layerScale);
      break;
    case 'tiny':
      rng.fillNormal(a, 1e-6);
      break;
    case 'trunc02':
      rng.fillNormal(a, 0.02, -2, 2);
      break;
    case 'convWeight':
    case 'convBias': {
      // PyTorch's Conv2d default: kaiming_uniform(a=√5) for the weight, U(±1/√fan_in) for the bias;
      // both reduce to a bound of 1/√fan_in with fan_in = C·ph·pw.
      const bound = 1 / Math.sqrt(p.fanIn!);
      for (let i = 0; i < n; i++) a[i] = bound * (2 * rng.uniform() - 1);
      break;
    }
    default:
      throw new Error(`unreachable init ${p.init}`);
  }
  return a;
}
