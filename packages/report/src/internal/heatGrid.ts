// A grid of heatmaps as one RGB image: rows × columns of maps, each min–max normalised on its
// own (or all on one range), viridis, white gutters, an optional midline cross per map, and a
// vertical colour bar (bottom = 0, top = 1) with ticks at 0, ½ and 1.
import { encodePng, tensor } from '@vit/io';
import { viridisLut } from './colormap.js';

export interface HeatGridLayout {
  rows: number;
  cols: number;
  h: number;
  w: number;
  /** Pixels per map cell. */
  cell: number;
  /** White pixels between maps and around the grid. */
  gutter: number;
  /** Draw a cross through the centre cell of every map (AAAM). */
  midlines: boolean;
  /** 'map': each map on its own min–max; 'all': one range over every map. */
  normalise: 'map' | 'all';
}

/** The colour of AAAM midlines (opaque red, outside viridis). */
export const MIDLINE_RGB = [228, 26, 28] as const;
/** Width of the colour bar in pixels and its gap from the grid. */
export const BAR_WIDTH = 12;

/** Pixel geometry of a layout (for tests and for the HTML captions). */
export function heatGridGeometry(l: HeatGridLayout): { width: number; height: number; mapX: (c: number) => number; mapY: (r: number) => number; barX: number } {
  const mw = l.w * l.cell;
  const mh = l.h * l.cell;
  const gridW = l.gutter + l.cols * (mw + l.gutter);
  const height = l.gutter + l.rows * (mh + l.gutter);
  const barX = gridW + l.gutter;
  return { width: barX + BAR_WIDTH + 4 + l.gutter, height, mapX: (c) => l.gutter + c * (mw + l.gutter), mapY: (r) => l.gutter + r * (mh + l.gutter), barX };
}

/** Renders `values` (rows·cols·h·w, C order) as a PNG. */
export async function heatGridPng(values: Float64Array, l: HeatGridLayout): Promise<Uint8Array> {
  const lut = await viridisLut();
  const g = heatGridGeometry(l);
  const img = new Uint8Array(g.width * g.height * 3).fill(255);
  const size = l.h * l.w;
  let gmin = Infinity;
  let gmax = -Infinity;
  if (l.normalise === 'all') for (const v of values) if (Number.isFinite(v)) (gmin = Math.min(gmin, v)), (gmax = Math.max(gmax, v));
  const put = (x: number, y: number, r: number, gg: number, b: number) => {
    const o = (y * g.width + x) * 3;
    img[o] = r;
    img[o + 1] = gg;
    img[o + 2] = b;
  };
  for (let r = 0; r < l.rows; r++) {
    for (let c = 0; c < l.cols; c++) {
      const base = (r * l.cols + c) * size;
      let lo = gmin;
      let hi = gmax;
      if (l.normalise === 'map') {
        lo = Infinity;
        hi = -Infinity;
        for (let i = 0; i < size; i++) {
          const v = values[base + i];
          if (Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
        }
      }
      const span = hi > lo ? hi - lo : 0;
      const x0 = g.mapX(c);
      const y0 = g.mapY(r);
      for (let i = 0; i < l.h; i++) {
        for (let j = 0; j < l.w; j++) {
          const v = values[base + i * l.w + j];
          const t = Number.isFinite(v) ? (span > 0 ? (v - lo) / span : 0) : NaN;
          const k = Number.isFinite(t) ? Math.round(t * 255) * 3 : -1;
          for (let dy = 0; dy < l.cell; dy++) {
            for (let dx = 0; dx < l.cell; dx++) {
              if (k < 0) put(x0 + j * l.cell + dx, y0 + i * l.cell + dy, 200, 200, 200); // NaN: grey
              else put(x0 + j * l.cell + dx, y0 + i * l.cell + dy, lut[k], lut[k + 1], lut[k + 2]);
            }
          }
        }
      }
      if (l.midlines) {
        const cy = y0 + Math.floor(l.h / 2) * l.cell + Math.floor(l.cell / 2);
        const cx = x0 + Math.floor(l.w / 2) * l.cell + Math.floor(l.cell / 2);
        for (let x = x0; x < x0 + l.w * l.cell; x++) put(x, cy, ...MIDLINE_RGB);
        for (let y = y0; y < y0 + l.h * l.cell; y++) put(cx, y, ...MIDLINE_RGB);
      }
    }
  }
  // Colour bar: top row = 1, bottom row = 0; ticks at 0, 0.5, 1 to its right.
  const top = l.gutter;
  const bottom = g.height - l.gutter - 1;
  for (let y = top; y <= bottom; y++) {
    const t = bottom === top ? 1 : (bottom - y) / (bottom - top);
    const k = Math.round(t * 255) * 3;
    for (let x = g.barX; x < g.barX + BAR_WIDTH; x++) put(x, y, lut[k], lut[k + 1], lut[k + 2]);
  }
  for (const t of [0, 0.5, 1]) {
    const y = Math.round(bottom - t * (bottom - top));
    for (let x = g.barX + BAR_WIDTH; x < g.barX + BAR_WIDTH + 4; x++) put(x, y, 0, 0, 0);
  }
  return encodePng(tensor(img, [g.height, g.width, 3]));
}
