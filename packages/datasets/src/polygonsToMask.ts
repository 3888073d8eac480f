import { tensor } from '@vit/io';
import type { Tensor } from '@vit/io';
import { VitDatasetError } from './errors.js';
import { paintColumnMajorRun } from './internal/paintRun.js';

/** Options of {@link polygonsToMask}. */
export interface PolygonsToMaskOptions {
  /** Annotation file the polygons came from, named in errors. @default undefined */
  file?: string;
}

// pycocotools traces edges on a grid 5× finer than the image before sampling pixel columns
const SCALE = 5;

/**
 * Rasterises COCO polygons (`segmentation: [[x1,y1,x2,y2,…], …]`) into one mask, the union of
 * all polygons, pixel for pixel as pycocotools' `frPyObjects` + `merge` + `decode` do: edges are
 * traced on a 5× finer grid, each pixel column toggles at the first pixel whose centre lies below
 * an edge crossing, and toggles combine by parity (even–odd rule) in column-major order.
 * Polygons with fewer than 3 points cover nothing.
 *
 * @param polygons Flat `[x1,y1,x2,y2,…]` vertex lists in pixel coordinates (x right, y down).
 * @param size `[H, W]` of the image.
 * @param options See {@link PolygonsToMaskOptions}.
 * @returns A `[H,W]` uint8 tensor of 0/1.
 * @throws {VitDatasetError} `VIT_DATASET_FORMAT` when a polygon is not a list of finite numbers
 *   of even length, or `size` is not two non-negative integers.
 * @example
 * polygonsToMask([[1, 1, 4, 1, 4, 3, 1, 3]], [5, 6]) // the 3×2 block of pixels x∈[1,4), y∈[1,3)
 */
export function polygonsToMask(polygons: readonly (readonly number[])[], size: readonly [number, number] | readonly number[], options: PolygonsToMaskOptions = {}): Tensor<Uint8Array> {
  const { file } = options;
  const [h, w] = size;
  if (size.length !== 2 || !Number.isSafeInteger(h) || !Number.isSafeInteger(w) || h < 0 || w < 0) {
    throw new VitDatasetError(`\`size\` of polygonsToMask must be [H, W], two non-negative integers. Got [${size.join(',')}].`, { code: 'VIT_DATASET_FORMAT', file });
  }
  if (h * w > 2 ** 28) {
    throw new VitDatasetError(`\`size\` of polygonsToMask is [${h},${w}], more than 2^28 pixels; refusing to allocate the mask.`, { code: 'VIT_DATASET_FORMAT', file });
  }
  if (!Array.isArray(polygons)) {
    throw new VitDatasetError(`\`polygons\` of polygonsToMask must be a list of [x1,y1,x2,y2,…] lists. Got ${typeof polygons}.`, { code: 'VIT_DATASET_FORMAT', file });
  }
  const union = new Uint8Array(h * w);
  for (let p = 0; p < polygons.length; p++) {
    const poly = polygons[p];
    if (!Array.isArray(poly) || poly.length % 2 !== 0 || !poly.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new VitDatasetError(
        `polygon ${p} of polygonsToMask must be an even-length list of finite numbers [x1,y1,x2,y2,…]. Got ${Array.isArray(poly) ? `${poly.length} values` : typeof poly}.`,
        { code: 'VIT_DATASET_FORMAT', file },
      );
    }
    if (poly.length < 6 || h === 0 || w === 0) continue;
    // painting each polygon's runs as 1s into the same mask is the union
    fillPolygon(poly, h, w, union);
  }
  return tensor(union, [h, w]);
}

/** Sets the polygon's pixels to 1 in the row-major `[h,w]` mask `out`. */
function fillPolygon(poly: readonly number[], h: number, w: number, out: Uint8Array): void {
  const k = poly.length / 2;
  // vertices on the fine grid, rounded half up (C truncation of v + 0.5)
  const vx = new Array<number>(k + 1);
  const vy = new Array<number>(k + 1);
  for (let j = 0; j < k; j++) {
    vx[j] = Math.trunc(SCALE * poly[2 * j] + 0.5);
    vy[j] = Math.trunc(SCALE * poly[2 * j + 1] + 0.5);
  }
  vx[k] = vx[0];
  vy[k] = vy[0];
  // dense boundary: one point per fine-grid step along the major axis of each edge
  const us: number[] = [];
  const vs: number[] = [];
  for (let j = 0; j < k; j++) {
    const x0 = vx[j], y0 = vy[j], x1 = vx[j + 1], y1 = vy[j + 1];
    const dx = Math.abs(x1 - x0);
    const dy = Math.abs(y1 - y0);
    if (dx >= dy) {
      // step along x from the left end so rounding is the same whichever way the edge runs
      const rev = x0 > x1;
      const xs = rev ? x1 : x0, ys = rev ? y1 : y0, ye = rev ? y0 : y1;
      const slope = dx === 0 ? 0 : (ye - ys) / dx;
      for (let d = 0; d <= dx; d++) {
        const t = rev ? dx - d : d;
        us.push(xs + t);
        vs.push(Math.trunc(ys + slope * t + 0.5));
      }
    } else {
      const rev = y0 > y1;
      const xs = rev ? x1 : x0, ys = rev ? y1 : y0, xe = rev ? x0 : x1;
      const slope = (xe - xs) / dy;
      for (let d = 0; d <= dy; d++) {
        const t = rev ? dy - d : d;
        vs.push(ys + t);
        us.push(Math.trunc(xs + slope * t + 0.5));
      }
    }
  }
  // where the boundary crosses the centre line of a pixel column, record a toggle at the first
  // pixel of that column whose centre is below the crossing (column-major linear index)
  const toggles: number[] = [];
  for (let j = 1; j < us.length; j++) {
    if (us[j] === us[j - 1]) continue;
    const xf = us[j] < us[j - 1] ? us[j] : us[j] - 1;
    // the fine-grid column xf is a pixel centre iff (xf + 0.5) / 5 - 0.5 is an integer
    if ((((xf - 2) % SCALE) + SCALE) % SCALE !== 0) continue;
    const x = (xf - 2) / SCALE;
    if (x < 0 || x > w - 1) continue;
    let y = (Math.min(vs[j], vs[j - 1]) + 0.5) / SCALE - 0.5;
    y = y < 0 ? 0 : y > h ? h : y;
    toggles.push(x * h + Math.ceil(y));
  }
  toggles.sort((a, b) => a - b);
  const n = h * w;
  let inside = false;
  let from = 0;
  for (const t of toggles) {
    const end = Math.min(t, n);
    if (inside && end > from) paintColumnMajorRun(out, h, w, from, end);
    from = end;
    inside = !inside;
  }
  if (inside && n > from) paintColumnMajorRun(out, h, w, from, n);
}
