import { VitValueError } from '@vit/io';
import { normalizationPresets } from './normalizationPresets.js';
import type { NormalizationPreset } from './normalizationPresets.js';
import { preprocessPresets } from './preprocessPresets.js';
import type { PreprocessConfig, PreprocessPresetName } from './preprocessPresets.js';
import type { Interpolation } from './transform.js';

/** Options of {@link preprocessPreset}. */
export interface PreprocessPresetOptions {
  /** The model's input size; `resize` scales with it as `⌊crop / cropPct⌋` (timm's rule). @default 224 */
  crop?: number;
}

const INTERP: readonly Interpolation[] = ['bilinear', 'bicubic', 'nearest'];

/**
 * Resolve a family's evaluation transform by name: one of {@link preprocessPresets}, or timm's
 * form `timm:<crop_pct>,<interpolation>[,<normalisation>]` (normalisation `imagenet` — timm's
 * default —, `clip` or `inception`), e.g. `timm:0.9,bicubic,inception`. For a `crop` other than
 * 224 the resize follows `⌊crop / cropPct⌋`, as timm computes it (`imagenet-dino` at 384 → 438).
 *
 * @param name preset name or `timm:` spec.
 * @param options the input size.
 * @returns a frozen {@link PreprocessConfig}.
 * @throws VitValueError naming the accepted forms when `name` is unknown or malformed.
 * @example
 * import { preprocessPreset } from '@vit/runtime';
 * preprocessPreset('timm:0.875,bilinear'); // { resize: 256, crop: 224, cropPct: 0.875, interpolation: 'bilinear', … }
 * preprocessPreset('clip', { crop: 336 }).resize; // 336
 */
export function preprocessPreset(name: string, options: PreprocessPresetOptions = {}): PreprocessConfig {
  const fn = 'preprocessPreset';
  const crop = options.crop ?? 224;
  if (!Number.isInteger(crop) || crop < 1) throw new VitValueError(`\`options.crop\` of ${fn} must be a positive integer. Got ${JSON.stringify(crop)}.`);
  let base: PreprocessConfig;
  if (typeof name === 'string' && Object.hasOwn(preprocessPresets, name)) {
    base = preprocessPresets[name as PreprocessPresetName];
  } else {
    const m = typeof name === 'string' ? /^timm:([0-9.]+),(bilinear|bicubic|nearest)(?:,(imagenet|clip|inception))?$/.exec(name.replace(/\s+/g, '')) : null;
    const pct = m ? Number(m[1]) : NaN;
    if (!m || !(pct > 0 && pct <= 1)) {
      throw new VitValueError(
        `\`name\` of ${fn} must be one of ${Object.keys(preprocessPresets).join(', ')} or timm:<crop_pct in (0,1]>,<${INTERP.join('|')}>[,imagenet|clip|inception]. Got ${JSON.stringify(name)}.`,
      );
    }
    const norm = normalizationPresets[(m[3] ?? 'imagenet') as NormalizationPreset];
    base = { resize: Math.floor(224 / pct), crop: 224, cropPct: pct, interpolation: m[2] as Interpolation, antialias: true, mean: norm.mean, std: norm.std };
  }
  const resize = crop === 224 ? base.resize : Math.floor(crop / (base.cropPct ?? 224 / base.resize));
  return Object.freeze({ ...base, resize, crop });
}
