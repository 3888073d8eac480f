import { preprocessPreset, type PreprocessOptions } from '@vit/runtime';
import type { OpenModel } from '../../types.js';

/**
 * The evaluation transform of a study's passes for `model`: its preprocessing preset
 * (`preprocessPreset` of `@vit/runtime`) at its input size. Spread it into `transformMask`,
 * `transformKeypoints` or `preprocess` to put annotations and pixels where the model saw them.
 */
export function modelTransform(model: Pick<OpenModel, 'preset' | 'imageSize'>): PreprocessOptions {
  const [h, w] = model.imageSize;
  const p = preprocessPreset(model.preset, { crop: Math.min(h, w) });
  if (h === w) return { ...p };
  const { cropPct: _pct, ...rest } = p;
  return { ...rest, crop: [h, w], resize: Math.max(p.resize, h, w) };
}
