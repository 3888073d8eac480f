// Viridis (matplotlib's perceptually uniform colormap) as a 256-entry RGB table, sampled from
// vega's built-in `viridis` scheme so PNG heatmaps and SVG charts share one colormap.
import { loadVega } from './vega.js';

let lut: Promise<Uint8Array> | null = null;

/** `[256·3]` RGB bytes: entry `i` is viridis at `i/255`. */
export function viridisLut(): Promise<Uint8Array> {
  lut ??= loadVega().then(({ vega }) => {
    const f = vega.scheme('viridis') as (t: number) => string;
    const out = new Uint8Array(256 * 3);
    for (let i = 0; i < 256; i++) {
      const m = /rgb\((\d+),\s*(\d+),\s*(\d+)\)/.exec(f(i / 255));
      if (!m) throw new Error(`unexpected colour ${f(i / 255)} from vega's viridis scheme`);
      out[i * 3] = +m[1];
      out[i * 3 + 1] = +m[2];
      out[i * 3 + 2] = +m[3];
    }
    return out;
  });
  return lut;
}
