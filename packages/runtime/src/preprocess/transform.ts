import { VitValueError } from '@vit/io';
import type { Tensor } from '@vit/io';
import { cropOffset, rgbImage, sizePair } from './image.js';
import { normalizationPresets } from './normalizationPresets.js';
import type { NormalizationPreset } from './normalizationPresets.js';
import { resampleWindow } from './resample.js';

export interface PreprocessOptions {
  /**
   * Output size `S` (square `S×S`) or `[h, w]`. The image is resized (bicubic, aspect kept)
   * to the smallest size covering it — for `S`, the short side becomes `S` — then centre-cropped.
   * @default 224
   */
  size?: number | readonly [number, number];
  /** Normalisation preset; `mean`/`std` override it. @default 'imagenet' */
  preset?: NormalizationPreset;
  /** Per-channel (R, G, B) mean on the `[0,1]` scale. @default the preset's */
  mean?: readonly [number, number, number];
  /** Per-channel (R, G, B) standard deviation on the `[0,1]` scale. @default the preset's */
  std?: readonly [number, number, number];
}

/** Validated options: target size and the 3×256 lookup table uint8 → normalised float32. */
export interface Transform {
  h: number;
  w: number;
  lut: Float32Array;
}

function triple(v: unknown, name: string, fn: string, positive: boolean): readonly [number, number, number] {
  if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && Number.isFinite(x) && (!positive || x > 0))) {
    throw new VitValueError(`\`options.${name}\` of ${fn} must be 3 finite ${positive ? 'positive ' : ''}numbers (R, G, B). Got ${JSON.stringify(v)}.`);
  }
  return v as unknown as [number, number, number];
}

/**
 * The 3×256 lookup table uint8 → normalised float32 for a preset with optional mean/std
 * overrides, with torchvision's float32 arithmetic: ToTensor's `v/255`, then Normalize's
 * `(x − mean) / std`.
 */
export function normalizationLut(options: Pick<PreprocessOptions, 'preset' | 'mean' | 'std'>, fn: string): Float32Array {
  const presetName = options.preset ?? 'imagenet';
  if (!Object.hasOwn(normalizationPresets, presetName)) {
    throw new VitValueError(`\`options.preset\` of ${fn} must be one of ${Object.keys(normalizationPresets).join(', ')}. Got ${JSON.stringify(presetName)}.`);
  }
  const preset = normalizationPresets[presetName];
  const mean = options.mean === undefined ? preset.mean : triple(options.mean, 'mean', fn, false);
  const std = options.std === undefined ? preset.std : triple(options.std, 'std', fn, true);
  const f = Math.fround;
  const lut = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) {
    const m = f(mean[c]);
    const s = f(std[c]);
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = f(f(f(v / 255) - m) / s);
  }
  return lut;
}

export function transform(options: PreprocessOptions, fn: string): Transform {
  const [h, w] = sizePair(options.size ?? 224, 'options.size', fn);
  return { h, w, lut: normalizationLut(options, fn) };
}

/**
 * Size the image is resized to before the centre crop: the aspect-preserving size whose
 * `h`/`w` covers the crop exactly on the tighter axis (torchvision's `int(S · long / short)`
 * on the other).
 */
export function coverSize(H: number, W: number, h: number, w: number): [number, number] {
  if (h * W >= w * H) return [h, Math.max(w, Math.floor((h * W) / H))];
  return [Math.max(h, Math.floor((w * H) / W)), w];
}

/** Resize + centre crop + normalise one image into `out[offset …]` as `[3,h,w]`. */
export function preprocessInto(image: Tensor<Uint8Array>, t: Transform, out: Float32Array, offset: number, fn: string, name = 'image'): void {
  const { data, H, W } = rgbImage(image, fn, name);
  const { h, w, lut } = t;
  const [rh, rw] = coverSize(H, W, h, w);
  const top = cropOffset(rh, h);
  const left = cropOffset(rw, w);
  const px = resampleWindow(data, H, W, 3, rh, rw, top, top + h, left, left + w, { a: -0.5, antialias: true });
  const plane = h * w;
  for (let i = 0; i < plane; i++) {
    const p = i * 3;
    out[offset + i] = lut[px[p]];
    out[offset + plane + i] = lut[256 + px[p + 1]];
    out[offset + 2 * plane + i] = lut[512 + px[p + 2]];
  }
}
