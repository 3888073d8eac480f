/** Per-channel (R, G, B) mean and standard deviation of a normalisation. */
export interface Normalization {
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

/** The name of a normalisation preset. */
export type NormalizationPreset = 'imagenet' | 'clip' | 'inception';

function preset(mean: [number, number, number], std: [number, number, number]): Normalization {
  return Object.freeze({ mean: Object.freeze(mean), std: Object.freeze(std) });
}

/**
 * The normalisation presets of SPEC "Models and preprocessing", applied after scaling pixels
 * to `[0,1]`: `x' = (x − mean[c]) / std[c]`.
 * - `imagenet` — DINO, MoCo v3, MAE;
 * - `clip` — OpenAI CLIP;
 * - `inception` — timm AugReg (FS), BEiT.
 * @example
 * import { normalizationPresets } from '@vit/runtime';
 * normalizationPresets.clip.mean; // [0.48145466, 0.4578275, 0.40821073]
 */
export const normalizationPresets: Readonly<Record<NormalizationPreset, Normalization>> = Object.freeze({
  imagenet: preset([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
  clip: preset([0.48145466, 0.4578275, 0.40821073], [0.26862954, 0.26130258, 0.27577711]),
  inception: preset([0.5, 0.5, 0.5], [0.5, 0.5, 0.5]),
});
