import { VitValueError, tensor } from '@vit/io';
import type { Tensor } from '@vit/io';
import { rgbImage } from '../preprocess/image.js';
import type { NormalizationPreset } from '../preprocess/normalizationPresets.js';
import { resampleWindow } from '../preprocess/resample.js';
import { normalizationLut } from '../preprocess/transform.js';
import { tileOffsets } from './tileOffsets.js';

/** Runs the model on one tile: pixels `[1,3,S,S]` → one `[1,T,D]` tensor per layer, `T = prefix + (S/patch)²`. */
export type TileRunner = (pixels: Tensor<Float32Array>) => Promise<Tensor<Float32Array>[]>;

export interface DenseFeaturesOptions {
  /** The model's input size `S` (tiles are `S×S`); a multiple of `patch`. @default 224 */
  size?: number;
  /** Patch size `p` in pixels. @default 16 */
  patch?: number;
  /** Prefix tokens `P` before the spatial tokens in each layer's output (CLS, registers). @default 1 */
  prefix?: number;
  /**
   * Length of the image's short side after resizing; a multiple of `patch`, at least `size`.
   * @default 2 · size (SPEC 13: 448 for a 224 model)
   */
  shortSide?: number;
  /** Normalisation preset; `mean`/`std` override it. @default 'imagenet' */
  preset?: NormalizationPreset;
  /** Per-channel (R, G, B) mean on the `[0,1]` scale. @default the preset's */
  mean?: readonly [number, number, number];
  /** Per-channel (R, G, B) standard deviation on the `[0,1]` scale. @default the preset's */
  std?: readonly [number, number, number];
}

function posInt(v: unknown, name: string, fn: string): number {
  if (!Number.isInteger(v) || (v as number) < 0) throw new VitValueError(`\`options.${name}\` of ${fn} must be a non-negative integer. Got ${v}.`);
  return v as number;
}

/** For every token along an axis, the index of the first tile covering it. */
function firstTile(offsets: number[], tokens: number, patch: number, tileTokens: number): Int32Array {
  const first = new Int32Array(tokens).fill(-1);
  offsets.forEach((o, i) => {
    for (let t = o / patch; t < o / patch + tileTokens; t++) if (first[t] < 0) first[t] = i;
  });
  return first;
}

/**
 * Dense (tiled) per-token features of a large image (SPEC 13): resize with Pillow-exact bicubic
 * so the short side is `2·S` and the long side is the aspect-preserving length rounded down
 * to a multiple of `p`; cut `S×S` tiles at offsets `i·S` on each axis, the last one flush with
 * the border ({@link tileOffsets}); normalise and run each tile through `runTile` (one at a
 * time, in row-major tile order); keep for every token the feature of the first tile that
 * covers it (on overlaps, the earlier tile).
 *
 * @param image `[H,W,3]` uint8 RGB (`[H,W,4]`: alpha dropped).
 * @param runTile the model on one `[1,3,S,S]` tile → per layer `[1,T,D]` (e.g. a session's block taps).
 * @param options size, patch, prefix, short side, normalisation.
 * @returns per layer (in the runner's order) `[H'/p, W'/p, D]` float32, `H'×W'` the resized size.
 * @throws VitValueError on a bad image or options, or when a tile's outputs are not `[1, P + (S/p)², D]` (named by 1-based layer) or change between tiles.
 * @example
 * import { denseFeatures } from '@vit/runtime';
 * const image = tensor(rgbBytes, [375, 500, 3]);
 * const layers = await denseFeatures(image, (px) => runBlocks(px), { size: 224, patch: 16 });
 * layers[11].shape; // [28, 37, 768]: 448×597 → 448×592 pixels, 3×2 overlapping tiles
 */
export async function denseFeatures(
  image: Tensor<Uint8Array>,
  runTile: TileRunner,
  options: DenseFeaturesOptions = {},
): Promise<Tensor<Float32Array>[]> {
  const fn = 'denseFeatures';
  if (typeof runTile !== 'function') throw new VitValueError(`\`runTile\` of ${fn} must be a function (pixels [1,3,S,S]) => Promise<Tensor[]>. Got ${typeof runTile}.`);
  const S = posInt(options.size ?? 224, 'size', fn);
  const p = posInt(options.patch ?? 16, 'patch', fn);
  const P = posInt(options.prefix ?? 1, 'prefix', fn);
  if (S < 1 || p < 1 || S % p !== 0) {
    throw new VitValueError(`\`options.size\` of ${fn} must be a positive multiple of options.patch = ${p}. Got ${S}.`);
  }
  const short = posInt(options.shortSide ?? 2 * S, 'shortSide', fn);
  if (short < S || short % p !== 0) {
    throw new VitValueError(`\`options.shortSide\` of ${fn} must be a multiple of patch = ${p} and at least size = ${S}. Got ${short}.`);
  }
  const lut = normalizationLut(options, fn);
  const { data, H, W } = rgbImage(image, fn);

  // Resized size: short side exact, long side floored to a multiple of p.
  // Integer operands: the quotient is exact when integral, so the floor never lands one low.
  const [rh, rw] = H <= W ? [short, Math.floor((short * W) / (H * p)) * p] : [Math.floor((short * H) / (W * p)) * p, short];
  const px = resampleWindow(data, H, W, 3, rh, rw, 0, rh, 0, rw, { a: -0.5, antialias: true });

  const g = S / p;
  const gh = rh / p;
  const gw = rw / p;
  const T = P + g * g;
  const offY = tileOffsets(rh, S);
  const offX = tileOffsets(rw, S);
  const firstY = firstTile(offY, gh, p, g);
  const firstX = firstTile(offX, gw, p, g);

  let out: Float32Array[] | undefined;
  let dims: number[] = [];
  for (let iy = 0; iy < offY.length; iy++) {
    for (let ix = 0; ix < offX.length; ix++) {
      const y0 = offY[iy];
      const x0 = offX[ix];
      // A fresh buffer per tile: the runner may keep the tensor it was given.
      const tile = new Float32Array(3 * S * S);
      for (let y = 0; y < S; y++) {
        let q = ((y0 + y) * rw + x0) * 3;
        const o = y * S;
        for (let x = 0; x < S; x++, q += 3) {
          tile[o + x] = lut[px[q]];
          tile[S * S + o + x] = lut[256 + px[q + 1]];
          tile[2 * S * S + o + x] = lut[512 + px[q + 2]];
        }
      }
      const layers = await runTile(tensor(tile, [1, 3, S, S]));
      if (!Array.isArray(layers) || layers.length === 0 || (out && layers.length !== out.length)) {
        const want = out ? `${out.length} tensors as for the first tile` : 'a non-empty array of tensors';
        throw new VitValueError(`\`runTile\` of ${fn} must resolve to ${want}. Got ${Array.isArray(layers) ? `${layers.length} tensors` : typeof layers}.`);
      }
      if (!out) {
        dims = layers.map((t) => (Array.isArray(t?.shape) && t.shape.length === 3 ? t.shape[2] : -1));
        out = dims.map((D) => new Float32Array(Math.max(D, 0) * gh * gw));
      }
      layers.forEach((t, l) => {
        const D = dims[l];
        if (!t || !Array.isArray(t.shape) || t.shape.length !== 3 || t.shape[0] !== 1 || t.shape[1] !== T || t.shape[2] !== D || D < 1) {
          throw new VitValueError(
            `\`runTile\` of ${fn} must return for layer ${l + 1} a [1,T,D] tensor with T = prefix + (size/patch)² = ${T}${D >= 1 ? ` and D = ${D}` : ''}. Got [${t?.shape?.join(',') ?? typeof t}].`,
          );
        }
        const src = t.data as unknown as ArrayLike<number>;
        const [, s1, s2] = t.stride;
        const dst = out![l];
        for (let ty = 0; ty < g; ty++) {
          const gy = y0 / p + ty;
          if (firstY[gy] !== iy) continue;
          for (let tx = 0; tx < g; tx++) {
            const gx = x0 / p + tx;
            if (firstX[gx] !== ix) continue;
            const from = t.offset + (P + ty * g + tx) * s1;
            const to = (gy * gw + gx) * D;
            if (s2 === 1 && src instanceof Float32Array) dst.set(src.subarray(from, from + D), to);
            else for (let d = 0; d < D; d++) dst[to + d] = src[from + d * s2];
          }
        }
      });
    }
  }
  return out!.map((d, l) => tensor(d, [gh, gw, dims[l]]));
}
