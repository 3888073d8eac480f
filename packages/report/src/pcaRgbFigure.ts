import { encodePng, tensor, VitValueError, type Tensor } from '@vit/io';
import { checkTensor, flat } from './internal/util.js';

/** Options of {@link pcaRgbFigure}. */
export interface PcaRgbFigureOptions {
  /** Pixels per token cell of the PCA tiles. @default the smallest integer making a tile at least 64 px */
  cell?: number;
  /** White pixels between tiles. @default 4 */
  gutter?: number;
}

/**
 * The PCA-RGB figure users of DINO features look at first: the first three principal
 * components of the patch tokens of each layer shown as red, green and blue (each component
 * min–max scaled over the image's tokens of that layer), one tile per layer left to right
 * (layer order as given), after the input image (nearest-neighbour scaled to the tile size).
 * @param image The image `[h,w,3]` uint8 the model saw.
 * @param components `[L,gh,gw,3]`: per layer, the token grid projected on the first three
 *   axes (`pca` / `pcaProject` of `@vit/features`).
 * @param options Cell size and gutter.
 * @returns PNG bytes, one row: image, then L tiles.
 * @throws VitValueError for shapes other than `[h,w,3]` and `[L,gh,gw,3]`.
 * @example await atomicWrite('pca.png', await pcaRgbFigure(img, comps))
 */
export async function pcaRgbFigure(image: Tensor<Uint8Array>, components: Tensor, options: PcaRgbFigureOptions = {}): Promise<Uint8Array> {
  checkTensor(image, 'image', 'pcaRgbFigure', ['h', 'w', 3]);
  checkTensor(components, 'components', 'pcaRgbFigure', ['L', 'gh', 'gw', 3]);
  const [L, gh, gw] = components.shape;
  const cell = options.cell ?? Math.max(1, Math.ceil(64 / Math.max(gh, gw)));
  const gutter = options.gutter ?? 4;
  if (!Number.isInteger(cell) || cell < 1 || cell > 64 || !Number.isInteger(gutter) || gutter < 0) {
    throw new VitValueError(`\`cell\` (1..64) and \`gutter\` (≥ 0) of pcaRgbFigure must be integers. Got ${cell}, ${gutter}.`);
  }
  const tw = gw * cell;
  const th = gh * cell;
  const width = gutter + (L + 1) * (tw + gutter);
  const height = th + 2 * gutter;
  const out = new Uint8Array(width * height * 3).fill(255);
  const [ih, iw] = image.shape;
  const px = flat(image);
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const sy = Math.min(ih - 1, Math.floor((y * ih) / th));
      const sx = Math.min(iw - 1, Math.floor((x * iw) / tw));
      const o = ((gutter + y) * width + gutter + x) * 3;
      for (let c = 0; c < 3; c++) out[o + c] = px[(sy * iw + sx) * 3 + c];
    }
  }
  const v = flat(components);
  const n = gh * gw;
  for (let l = 0; l < L; l++) {
    const x0 = gutter + (l + 1) * (tw + gutter);
    const lo = [Infinity, Infinity, Infinity];
    const hi = [-Infinity, -Infinity, -Infinity];
    for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) (lo[c] = Math.min(lo[c], v[(l * n + i) * 3 + c])), (hi[c] = Math.max(hi[c], v[(l * n + i) * 3 + c]));
    for (let i = 0; i < gh; i++) {
      for (let j = 0; j < gw; j++) {
        const rgb = [0, 1, 2].map((c) => {
          const span = hi[c] - lo[c];
          const t = span > 0 ? (v[(l * n + i * gw + j) * 3 + c] - lo[c]) / span : 0;
          return Math.round(Math.min(1, Math.max(0, t)) * 255);
        });
        for (let dy = 0; dy < cell; dy++) {
          for (let dx = 0; dx < cell; dx++) {
            const o = ((gutter + i * cell + dy) * width + x0 + j * cell + dx) * 3;
            out[o] = rgb[0];
            out[o + 1] = rgb[1];
            out[o + 2] = rgb[2];
          }
        }
      }
    }
  }
  return encodePng(tensor(out, [height, width, 3]));
}
