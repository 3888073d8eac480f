import { VitValueError } from '@vit/io';
import type { Tensor } from '@vit/io';
import { cropOffset, rgbImage, sizePair } from './image.js';
import { normalizationPresets } from './normalizationPresets.js';
import type { Normalization, NormalizationPreset } from './normalizationPresets.js';
import { resampleWindow, type ResampleKernel } from './resample.js';

/** Resampling filter of the resize (torchvision's `InterpolationMode` / PIL's filters). */
export type Interpolation = 'bilinear' | 'bicubic' | 'nearest';

/** The geometry of an evaluation transform: Resize(short side = `resize`) → CenterCrop(`crop`). */
export interface TransformGeometryOptions {
  /**
   * Output (centre-crop) size `S` for `S×S`, or `[h, w]` — the model's input size.
   * @default 224 (or `size`)
   */
  crop?: number | readonly [number, number];
  /** Old name of `crop`, kept as an alias. @default 224 */
  size?: number | readonly [number, number];
  /**
   * Resize so the shorter side becomes `resize` (the long side `⌊resize·long/short⌋`, as
   * torchvision's `Resize(int)`), then centre-crop. Must leave the crop inside the image.
   * @default `⌊min(crop)/cropPct⌋` when `cropPct` is given, else the smallest aspect-kept size covering the crop (short side = crop for square crops)
   */
  resize?: number;
  /** timm's `crop_pct`: `resize = ⌊min(crop) / cropPct⌋` (0.875 → 256 for 224) when `resize` is not given. @default undefined */
  cropPct?: number;
}

export interface PreprocessOptions extends TransformGeometryOptions {
  /**
   * Resampling filter. Masks go through {@link transformMask} with nearest whatever this is.
   * @default 'bicubic'
   */
  interpolation?: Interpolation;
  /**
   * `true`: resize a PIL image as torchvision/timm do on PIL inputs (Pillow's `Image.resize`,
   * antialiased when shrinking, uint8 after each pass — bit-exact). `false`: resize a float
   * tensor as `ToTensor()` then torchvision's tensor `Resize(antialias=False)` (PyTorch
   * `F.interpolate`, bicubic `a = −0.75`, replicated borders, float32 throughout, no rounding).
   * torchvision ≥ 0.13 with `antialias=True` on tensors reproduces the `true` case up to uint8 rounding.
   * @default true
   */
  antialias?: boolean;
  /** Normalisation preset; `mean`/`std` override it. @default 'imagenet' */
  preset?: NormalizationPreset;
  /** Per-channel (R, G, B) mean on the `[0,1]` scale. @default the preset's */
  mean?: readonly [number, number, number];
  /** Per-channel (R, G, B) standard deviation on the `[0,1]` scale. @default the preset's */
  std?: readonly [number, number, number];
}

/** Validated geometry: crop size and the resize rule. */
export interface Geometry {
  h: number;
  w: number;
  /** Short side after resizing; `undefined` = cover the crop. */
  resize: number | undefined;
}

/** Validated options: geometry, kernel and the 3×256 lookup table uint8 → normalised float32. */
export interface Transform extends Geometry {
  lut: Float32Array;
  kernel: ResampleKernel;
  /** Resize float pixels (`antialias: false`): normalise with these instead of the table. */
  float?: { mean: Float32Array; std: Float32Array };
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
  const { mean, std } = meanStd(options, fn);
  const f = Math.fround;
  const lut = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) {
    const m = f(mean[c]);
    const s = f(std[c]);
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = f(f(f(v / 255) - m) / s);
  }
  return lut;
}

function meanStd(options: Pick<PreprocessOptions, 'preset' | 'mean' | 'std'>, fn: string): Normalization {
  const presetName = options.preset ?? 'imagenet';
  if (!Object.hasOwn(normalizationPresets, presetName)) {
    throw new VitValueError(`\`options.preset\` of ${fn} must be one of ${Object.keys(normalizationPresets).join(', ')}. Got ${JSON.stringify(presetName)}.`);
  }
  const preset = normalizationPresets[presetName];
  const mean = options.mean === undefined ? preset.mean : triple(options.mean, 'mean', fn, false);
  const std = options.std === undefined ? preset.std : triple(options.std, 'std', fn, true);
  return { mean, std };
}

const INTERPOLATIONS: readonly Interpolation[] = ['bilinear', 'bicubic', 'nearest'];

/** Validate the geometry options (crop, resize, cropPct). */
export function geometry(options: TransformGeometryOptions, fn: string): Geometry {
  if (options === null || typeof options !== 'object') throw new VitValueError(`\`options\` of ${fn} must be an object. Got ${options === null ? 'null' : typeof options}.`);
  const name = options.crop !== undefined ? 'options.crop' : 'options.size';
  const [h, w] = sizePair(options.crop ?? options.size ?? 224, name, fn);
  let resize = options.resize;
  if (resize !== undefined && (!Number.isInteger(resize) || resize < 1)) {
    throw new VitValueError(`\`options.resize\` of ${fn} must be a positive integer (the short side after resizing). Got ${JSON.stringify(resize)}.`);
  }
  if (options.cropPct !== undefined) {
    const p = options.cropPct;
    if (typeof p !== 'number' || !(p > 0 && p <= 1)) throw new VitValueError(`\`options.cropPct\` of ${fn} must be a number in (0, 1]. Got ${JSON.stringify(p)}.`);
    resize ??= Math.floor(Math.min(h, w) / p);
  }
  if (resize !== undefined && resize < Math.max(h, w)) {
    throw new VitValueError(`\`options.resize\` of ${fn} must be at least the crop size ${Math.max(h, w)} (the short side after resizing must hold the crop). Got ${resize}.`);
  }
  return { h, w, resize };
}

export function transform(options: PreprocessOptions, fn: string): Transform {
  const g = geometry(options, fn);
  const interpolation = options.interpolation ?? 'bicubic';
  if (!INTERPOLATIONS.includes(interpolation)) {
    throw new VitValueError(`\`options.interpolation\` of ${fn} must be one of ${INTERPOLATIONS.join(', ')}. Got ${JSON.stringify(interpolation)}.`);
  }
  const antialias = options.antialias ?? true;
  if (typeof antialias !== 'boolean') throw new VitValueError(`\`options.antialias\` of ${fn} must be true or false. Got ${JSON.stringify(antialias)}.`);
  const lut = normalizationLut(options, fn);
  if (antialias) return { ...g, lut, kernel: { a: -0.5, antialias: true, filter: interpolation, mode: 'pil' } };
  const { mean, std } = meanStd(options, fn);
  return { ...g, lut, kernel: { a: -0.75, antialias: false, filter: interpolation, mode: 'torch' }, float: { mean: Float32Array.from(mean), std: Float32Array.from(std) } };
}

/**
 * Resized size and crop window of an `H×W` image: torchvision's `Resize(resize)` (short side
 * → `resize`, long side `⌊resize·long/short⌋`) or, without `resize`, the smallest covering
 * size; then the centred crop (`round((R − h)/2)`, half to even).
 */
export function cropWindow(H: number, W: number, g: Geometry, fn: string): { rh: number; rw: number; top: number; left: number } {
  const { h, w, resize } = g;
  let rh: number;
  let rw: number;
  if (resize === undefined) [rh, rw] = coverSize(H, W, h, w);
  else if (H <= W) [rh, rw] = [resize, Math.floor((resize * W) / H)];
  else [rh, rw] = [Math.floor((resize * H) / W), resize];
  if (rh < h || rw < w) {
    throw new VitValueError(`\`options.resize\` of ${fn} must leave the [${h},${w}] crop inside the image: a ${H}×${W} image resized to ${rh}×${rw} (resize ${resize}). Use resize ≥ crop.`);
  }
  return { rh, rw, top: cropOffset(rh, h), left: cropOffset(rw, w) };
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
  const { rh, rw, top, left } = cropWindow(H, W, t, fn);
  const plane = h * w;
  if (t.float) {
    // ToTensor (v/255 in float32) → tensor resize → crop → Normalize, all float32.
    const f = Math.fround;
    const x = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) x[i] = data[i] / 255;
    const r = resampleWindow(x, H, W, 3, rh, rw, top, top + h, left, left + w, t.kernel);
    const { mean, std } = t.float;
    for (let c = 0; c < 3; c++) {
      const o = offset + c * plane;
      for (let i = 0; i < plane; i++) out[o + i] = f(f(r[i * 3 + c] - mean[c]) / std[c]);
    }
    return;
  }
  const px = resampleWindow(data, H, W, 3, rh, rw, top, top + h, left, left + w, t.kernel);
  for (let i = 0; i < plane; i++) {
    const p = i * 3;
    out[offset + i] = lut[px[p]];
    out[offset + plane + i] = lut[256 + px[p + 1]];
    out[offset + 2 * plane + i] = lut[512 + px[p + 2]];
  }
}
