import { describe, expect, it } from 'vitest';
import { decodeImage, tensor } from '@vit/io';
import { aaamGrid } from './aaamGrid.js';
import { clsAttentionGrid } from './clsAttentionGrid.js';
import { pcaRgbFigure } from './pcaRgbFigure.js';
import { heatGridGeometry, MIDLINE_RGB } from './internal/heatGrid.js';

// matplotlib's viridis at 0 and 1 (its published table, first and last entries: #440154, #fde725)
const V0 = [68, 1, 84];
const V1 = [253, 231, 37];
const WHITE = [255, 255, 255];

async function pixels(png: Uint8Array) {
  const img = await decodeImage(png);
  const [h, w, c] = img.shape;
  return { h, w, at: (x: number, y: number) => Array.from(img.data.subarray((y * w + x) * c, (y * w + x) * c + 3)) };
}

describe('clsAttentionGrid', () => {
  // [L=2,H=3,2,2]: map (l,h) = [0,1,2,3]·(l·3+h+1) (+NaN in one cell of the last map)
  const d = Float32Array.from({ length: 24 }, (_, i) => (i % 4) * (Math.floor(i / 4) + 1));
  d[23] = NaN;
  const maps = tensor(d, [2, 3, 2, 2]);

  it('has the documented geometry: 24 px cells (48 px maps), 4 px gutters, colour bar', async () => {
    const p = await pixels(await clsAttentionGrid(maps));
    const g = heatGridGeometry({ rows: 2, cols: 3, h: 2, w: 2, cell: 24, gutter: 4, midlines: false, normalise: 'map' });
    expect([p.w, p.h]).toEqual([g.width, g.height]);
    expect([p.w, p.h]).toEqual([4 + 3 * 52 + 4 + 12 + 4 + 4, 4 + 2 * 52]);
  });

  it('normalises each map on its own: min cell = viridis(0), max cell = viridis(1), gutters white', async () => {
    const p = await pixels(await clsAttentionGrid(maps));
    for (let l = 0; l < 2; l++) {
      for (let h = 0; h < 3; h++) {
        const x0 = 4 + h * 52;
        const y0 = 4 + l * 52;
        expect(p.at(x0 + 5, y0 + 5)).toEqual(V0); // cell (0,0) = 0, the map minimum
        if (l === 1 && h === 2) {
          expect(p.at(x0 + 24 + 5, y0 + 24 + 5)).toEqual([200, 200, 200]); // NaN cell: grey
          expect(p.at(x0 + 5, y0 + 24 + 5)).toEqual(V1); // cell (1,0) = 2·6, the max of the finite cells
        } else {
          expect(p.at(x0 + 24 + 5, y0 + 24 + 5)).toEqual(V1); // cell (1,1) = 3·k, the map maximum
        }
      }
    }
    expect(p.at(2, 2)).toEqual(WHITE);
    expect(p.at(4 + 48 + 1, 10)).toEqual(WHITE); // gutter between heads 0 and 1
  });

  it('colour bar: top = viridis(1), bottom = viridis(0)', async () => {
    const p = await pixels(await clsAttentionGrid(maps));
    const barX = 4 + 3 * 52 + 4 + 6;
    expect(p.at(barX, 4)).toEqual(V1);
    expect(p.at(barX, p.h - 5)).toEqual(V0);
  });

  it('cell and gutter options; bad input is refused with one line', async () => {
    const p = await pixels(await clsAttentionGrid(maps, { cell: 3, gutter: 1 }));
    expect([p.w, p.h]).toEqual([1 + 3 * 7 + 1 + 12 + 4 + 1, 1 + 2 * 7]);
    await expect(clsAttentionGrid(tensor(new Float32Array(4), [2, 2]))).rejects.toThrow("`maps` of clsAttentionGrid must have shape [L,H,gh,gw]. Got [2,2].");
    await expect(clsAttentionGrid(maps, { cell: 0 })).rejects.toThrow(/`cell` of clsAttentionGrid/);
  });
});

describe('aaamGrid', () => {
  it('draws red midlines through the centre cell and the peak where it was planted', async () => {
    // one head, 5×5 (grid 3×3), peak one cell right of the centre: an offset-local head
    const d = new Float32Array(25);
    d[2 * 5 + 3] = 1;
    const p = await pixels(await aaamGrid(tensor(d, [1, 1, 5, 5]), { cell: 10, gutter: 2 }));
    expect([p.w, p.h]).toEqual([2 + 52 + 2 + 12 + 4 + 2, 2 + 52]);
    const cx = 2 + 2 * 10 + 5; // centre of the centre cell
    expect(p.at(cx, 2 + 1)).toEqual([...MIDLINE_RGB]); // vertical line, top row
    expect(p.at(2 + 1, cx)).toEqual([...MIDLINE_RGB]); // horizontal line, left column
    expect(p.at(2 + 3 * 10 + 2, 2 + 2 * 10 + 2)).toEqual(V1); // the peak cell (row 2, col 3), off the lines
    expect(p.at(2 + 1, 2 + 1)).toEqual(V0);
    await expect(aaamGrid(tensor(new Float32Array(16), [1, 1, 4, 4]))).rejects.toThrow(/odd map sizes/);
  });
});

describe('pcaRgbFigure', () => {
  it('shows the image, then one tile per layer with components min–max scaled to RGB', async () => {
    const img = tensor(Uint8Array.from({ length: 4 * 4 * 3 }, (_, i) => (i % 3 === 0 ? 250 : 10)), [4, 4, 3]); // reddish
    // 2 layers, 2×2 grid: layer 0 token 0 is the max of every component, token 3 the min
    const c = new Float32Array(2 * 4 * 3);
    for (let l = 0; l < 2; l++) for (let t = 0; t < 4; t++) for (let k = 0; k < 3; k++) c[(l * 4 + t) * 3 + k] = l === 0 ? [5, 1, 1, -3][t] : k === 0 ? t : 0;
    const p = await pixels(await pcaRgbFigure(img, tensor(c, [2, 2, 2, 3]), { cell: 8, gutter: 2 }));
    expect([p.w, p.h]).toEqual([2 + 3 * 18, 16 + 4]);
    expect(p.at(3, 3)).toEqual([250, 10, 10]); // the image, scaled up
    const tile = (l: number, i: number, j: number) => p.at(2 + (l + 1) * 18 + j * 8 + 4, 2 + i * 8 + 4);
    expect(tile(0, 0, 0)).toEqual([255, 255, 255]);
    expect(tile(0, 1, 1)).toEqual([0, 0, 0]);
    expect(tile(0, 0, 1)).toEqual([128, 128, 128]); // (1 − (−3)) / 8 = 0.5 → 128
    expect(tile(1, 1, 1)).toEqual([255, 0, 0]); // component 0 max; constant components → 0
    await expect(pcaRgbFigure(img, tensor(c, [2, 2, 6]))).rejects.toThrow(/components/);
  });
});
