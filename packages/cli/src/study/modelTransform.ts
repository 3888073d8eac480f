import { preprocessPreset, type PreprocessOptions } from '@vit/runtime';
import type { OpenModel } from './types.js';

/**
 * The evaluation transform of a study's passes for `model`: its preprocessing preset
 * (`preprocessPreset` of `@vit/runtime`) at its input size, as the engine hands it to
 * `ViTSession` (presets with crop_pct 1 resize to the smallest size covering the crop; the
 * others to timm's `⌊crop / crop_pct⌋`). Spread it into `transformMask`, `transformKeypoints`
 * or `preprocess` to put annotations and pixels where the model saw them.
 */
export function modelTransform(model: Pick<OpenModel, 'preset' | 'imageSize'>): PreprocessOptions {
  const [h, w] = model.imageSize;
  const { cropPct, resize, crop: _crop, ...p } = preprocessPreset(model.preset, { crop: Math.min(h, w) });
  return { ...p, crop: [h, w], ...(cropPct === 1 ? {} : { resize }) };
}
