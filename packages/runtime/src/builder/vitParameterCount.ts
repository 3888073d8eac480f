import { resolveConfig } from './resolveViTConfig.js';
import type { ViTConfig } from './types.js';
import { vitParameters } from './vitParameters.js';

/**
 * Number of learned float parameters of a ViT config (timm's count; BEiT's relative position
 * index is a buffer, not counted).
 * @param config the architecture.
 * @returns the parameter count, e.g. 86 567 656 for `vit_base_patch16_224`.
 * @throws VitValueError (code `VIT_CONFIG`) for an invalid config, naming the field.
 * @example vitParameterCount(vitPresets.vit_small_patch16_224.config); // 22050664
 */
export function vitParameterCount(config: ViTConfig): number {
  const c = resolveConfig(config, 'vitParameterCount');
  let n = 0;
  for (const p of vitParameters(c)) if (p.kind === 'float') n += p.shape.reduce((a, b) => a * b, 1);
  return n;
}
