import type { Interpolation } from './transform.js';

/**
 * A model family's evaluation preprocessing (timm keeps this apart from the architecture:
 * `pretrained_cfg` vs the model config): `Resize(resize)` on the shorter side with
 * `interpolation` → `CenterCrop(crop)` → `ToTensor` → `Normalize(mean, std)`.
 * Spread it into {@link preprocess} options, {@link transformMask} / {@link transformKeypoints},
 * or `ViTSession.create`'s `transform`.
 */
export interface PreprocessConfig {
  /** Shorter side after resizing (`⌊crop / cropPct⌋` for timm configs). */
  readonly resize: number;
  /** Centre-crop size = the model's input size. */
  readonly crop: number;
  /** timm's `crop_pct` (`crop / resize` up to flooring), when the family defines it that way. */
  readonly cropPct?: number;
  readonly interpolation: Interpolation;
  /** `true` = PIL-image resize (what every family's eval loader does); `false` = tensor resize without antialias. */
  readonly antialias: boolean;
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

/** The names of {@link preprocessPresets}. */
export type PreprocessPresetName = 'imagenet-dino' | 'mae' | 'mocov3' | 'torchvision' | 'clip' | 'timm-augreg' | 'beit' | 'imagenet' | 'inception';

const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;
const CLIP = { mean: [0.48145466, 0.4578275, 0.40821073], std: [0.26862954, 0.26130258, 0.27577711] } as const;
const INCEPTION = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] } as const;

function cfg(c: PreprocessConfig): PreprocessConfig {
  return Object.freeze({ ...c, mean: Object.freeze([...c.mean]) as unknown as PreprocessConfig['mean'], std: Object.freeze([...c.std]) as unknown as PreprocessConfig['std'] });
}

/**
 * Evaluation transforms of the model families of the paper, at their 224-pixel input (use
 * {@link preprocessPreset} for other sizes and timm's `timm:<crop_pct>,<interpolation>` form):
 * - `imagenet-dino` — DINO `eval_linear.py`: Resize(256, bicubic) → CenterCrop(224), ImageNet mean/std;
 * - `mae` — MAE `main_linprobe.py`: the same as DINO's;
 * - `mocov3` — MoCo v3 `main_lincls.py`: Resize(256) with torchvision's default bilinear → CenterCrop(224);
 * - `torchvision` — torchvision's `ViT_B_16_Weights.IMAGENET1K_V1` (`ImageClassification`): Resize(256, bilinear) → CenterCrop(224);
 * - `clip` — OpenAI CLIP: Resize(224, bicubic) → CenterCrop(224), CLIP mean/std;
 * - `timm-augreg` — timm's AugReg ViTs (`vit_base_patch16_224.augreg*`): crop_pct 0.9 (Resize 248), bicubic, mean/std 0.5;
 * - `beit` — timm's BEiT: crop_pct 0.9, bicubic, mean/std 0.5;
 * - `imagenet`, `inception` — this toolkit's earlier default (Resize(224) → CenterCrop(224), bicubic) with that normalisation.
 * @example
 * import { preprocess, preprocessPresets } from '@vit/runtime';
 * const x = preprocess(rgb, preprocessPresets['imagenet-dino']); // [3,224,224]
 */
export const preprocessPresets: Readonly<Record<PreprocessPresetName, PreprocessConfig>> = Object.freeze({
  'imagenet-dino': cfg({ resize: 256, crop: 224, cropPct: 0.875, interpolation: 'bicubic', antialias: true, ...IMAGENET }),
  mae: cfg({ resize: 256, crop: 224, cropPct: 0.875, interpolation: 'bicubic', antialias: true, ...IMAGENET }),
  mocov3: cfg({ resize: 256, crop: 224, cropPct: 0.875, interpolation: 'bilinear', antialias: true, ...IMAGENET }),
  torchvision: cfg({ resize: 256, crop: 224, cropPct: 0.875, interpolation: 'bilinear', antialias: true, ...IMAGENET }),
  clip: cfg({ resize: 224, crop: 224, cropPct: 1, interpolation: 'bicubic', antialias: true, ...CLIP }),
  'timm-augreg': cfg({ resize: 248, crop: 224, cropPct: 0.9, interpolation: 'bicubic', antialias: true, ...INCEPTION }),
  beit: cfg({ resize: 248, crop: 224, cropPct: 0.9, interpolation: 'bicubic', antialias: true, ...INCEPTION }),
  imagenet: cfg({ resize: 224, crop: 224, cropPct: 1, interpolation: 'bicubic', antialias: true, ...IMAGENET }),
  inception: cfg({ resize: 224, crop: 224, cropPct: 1, interpolation: 'bicubic', antialias: true, ...INCEPTION }),
});
