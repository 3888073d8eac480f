import { describe, expect, it } from 'vitest';
import { plantedInput } from '../../test/planted.js';
import { buildViewerData, viewerBytesPerLayer } from './viewerData.js';

describe('buildViewerData', () => {
  it('quantises each attention row over the spatial keys min–max (uint8, base64) with the range kept', () => {
    const input = plantedInput();
    const { models, thinned } = buildViewerData(input.models.slice(0, 1), 3, 1e9);
    expect(thinned).toBe(false);
    const m = models[0];
    expect(m).toMatchObject({ name: 'fs', grid: [4, 4], heads: 2, cls: true, layers: [1, 2, 3, 4] });
    const att = Buffer.from(m.images[0].att, 'base64');
    const sc = Buffer.from(m.images[0].scale, 'base64');
    const scale = new Float32Array(sc.buffer.slice(sc.byteOffset, sc.byteOffset + sc.byteLength));
    const Q = 17;
    expect(att.length).toBe(4 * 2 * Q * 16);
    // planted: layer l, head h, spatial query q attends 0.9 to key (q + h) mod 16; CLS to key l mod 16
    const row = (l: number, h: number, q: number) => Array.from(att.subarray(((l * 2 + h) * Q + q) * 16, ((l * 2 + h) * Q + q + 1) * 16));
    expect(row(2, 0, 0)).toEqual(Array.from({ length: 16 }, (_, k) => (k === 2 ? 255 : 0)));
    expect(row(1, 1, 1 + 5)).toEqual(Array.from({ length: 16 }, (_, k) => (k === 6 ? 255 : 0)));
    expect(scale[2 * ((1 * 2 + 1) * Q + 6) + 1]).toBeCloseTo(0.9, 6); // max
    expect(scale[2 * ((1 * 2 + 1) * Q + 6)]).toBe(0); // min
    expect(m.images[0].png.startsWith('data:image/png;base64,iVBOR')).toBe(true);
  });

  it('thins layers evenly (first and last kept) to fit the byte budget', () => {
    const input = plantedInput();
    const per = viewerBytesPerLayer(input.models[0]);
    expect(per).toBe(2 * 17 * (16 + 8));
    const { models, thinned } = buildViewerData(input.models, 1, 4 * 2 * per); // room for 2 of 4 layers per model
    expect(thinned).toBe(true);
    expect(models.map((m) => m.layers)).toEqual([[1, 4], [1, 4], [1, 4], [1, 4]]);
  });
});
