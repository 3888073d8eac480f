import { describe, expect, it } from 'vitest';
import { VitValueError, tensor } from '@vit/io';
import type { Tensor } from '@vit/io';
import { resizeBicubic } from '../preprocess/resizeBicubic.js';
import { normalizationPresets } from '../preprocess/normalizationPresets.js';
import { denseFeatures } from './denseFeatures.js';
import type { TileRunner } from './denseFeatures.js';

/**
 * An image already at the tiling size (so resizing is the identity) whose every patch is
 * painted with its grid coordinates: R = row, G = column, B = 7.
 */
function coordinateImage(gh: number, gw: number, p: number): Tensor<Uint8Array> {
  const H = gh * p;
  const W = gw * p;
  const d = new Uint8Array(H * W * 3);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const o = (y * W + x) * 3;
      d[o] = Math.floor(y / p);
      d[o + 1] = Math.floor(x / p);
      d[o + 2] = 7;
    }
  return tensor(d, [H, W, 3]);
}

/**
 * A fake model: for every spatial token it reads the patch's top-left pixel back (undoing the
 * `inception` normalisation: v = 255·(x·0.5 + 0.5)), and emits per layer l
 * `[row, col, l, tile call index]` (+ filler to width D); prefix tokens are −1.
 */
function coordinateRunner(S: number, p: number, P: number, layers: number, D = 4): { run: TileRunner; calls: Tensor<Float32Array>[] } {
  const calls: Tensor<Float32Array>[] = [];
  const g = S / p;
  const run: TileRunner = async (pixels) => {
    calls.push(pixels);
    const call = calls.length - 1;
    return Array.from({ length: layers }, (_, l) => {
      const out = new Float32Array((P + g * g) * D).fill(-1);
      for (let ty = 0; ty < g; ty++)
        for (let tx = 0; tx < g; tx++) {
          const at = (c: number) => Math.round(255 * (pixels.data[c * S * S + ty * p * S + tx * p] * 0.5 + 0.5));
          const o = (P + ty * g + tx) * D;
          out[o] = at(0);
          out[o + 1] = at(1);
          out[o + 2] = l;
          out[o + 3] = call;
        }
      return tensor(out, [1, P + g * g, D]);
    });
  };
  return { run, calls };
}

describe('denseFeatures', () => {
  it('stitches tiles exactly: every token gets its own patch, from the first covering tile', async () => {
    // S = 32, p = 8 → 4×4 tokens per tile. Image 64×88 = short side 2·S, long side a multiple of p:
    // no resizing. Rows: tiles at 0, 32 (8 tokens). Columns: tiles at 0, 32, 56 (11 tokens, the last overlaps).
    const S = 32;
    const p = 8;
    const img = coordinateImage(8, 11, p);
    const { run, calls } = coordinateRunner(S, p, 2, 3);
    const layers = await denseFeatures(img, run, { size: S, patch: p, prefix: 2, preset: 'inception' });
    expect(calls.length).toBe(2 * 3);
    expect(calls[0].shape).toEqual([1, 3, S, S]);
    expect(layers.length).toBe(3);
    const tileColOfX = (gx: number) => (gx < 4 ? 0 : gx < 8 ? 1 : 2); // token 7 is in tiles 1 and 2: tile 1 first
    for (let l = 0; l < 3; l++) {
      expect(layers[l].shape).toEqual([8, 11, 4]);
      const want: number[] = [];
      for (let gy = 0; gy < 8; gy++) for (let gx = 0; gx < 11; gx++) want.push(gy, gx, l, (gy < 4 ? 0 : 1) * 3 + tileColOfX(gx));
      expect(Array.from(layers[l].data)).toEqual(want);
    }
  });

  it('portrait images and overlap on both axes; each tile is the normalised window at i·S / flush', async () => {
    const S = 16;
    const p = 4;
    // 40 wide (= 2.5·S, flush tile at 24) × 52 tall (flush tile at 36): shortSide 40.
    const img = coordinateImage(13, 10, p);
    const { run, calls } = coordinateRunner(S, p, 0, 1, 6);
    const [f] = await denseFeatures(img, run, { size: S, patch: p, prefix: 0, shortSide: 40, preset: 'inception' });
    expect(f.shape).toEqual([13, 10, 6]);
    const ty = (gy: number) => (gy < 4 ? 0 : gy < 8 ? 1 : gy < 12 ? 2 : 3); // offsets 0,16,32,36
    const tx = (gx: number) => (gx < 4 ? 0 : gx < 8 ? 1 : 2); // offsets 0,16,24
    for (let gy = 0; gy < 13; gy++)
      for (let gx = 0; gx < 10; gx++) {
        const o = (gy * 10 + gx) * 6;
        expect([f.data[o], f.data[o + 1], f.data[o + 3]]).toEqual([gy, gx, ty(gy) * 3 + tx(gx)]);
      }
    // The flush tile (row 3, column 2) starts at pixel (36, 24): its first pixel is patch (9, 6).
    const last = calls[calls.length - 1];
    const v = (c: number) => Math.round(255 * (last.data[c * S * S] * 0.5 + 0.5));
    expect([v(0), v(1), v(2)]).toEqual([9, 6, 7]);
  });

  it('resizes short side to 2·S and floors the long side to a multiple of p; features = patch means of the normalised resized image', async () => {
    const S = 16;
    const p = 8;
    let s = 3;
    const img = tensor(Uint8Array.from({ length: 45 * 70 * 3 }, () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24), [45, 70, 3]);
    // 32 × ⌊32·70/45 / 8⌋·8 = 32 × 48 (49.8 floored).
    const meanRunner: TileRunner = async (px) => {
      const g = S / p;
      const out = new Float32Array((1 + g * g) * 3);
      for (let ty = 0; ty < g; ty++)
        for (let tx = 0; tx < g; tx++)
          for (let c = 0; c < 3; c++) {
            let sum = 0;
            for (let y = 0; y < p; y++) for (let x = 0; x < p; x++) sum += px.data[c * S * S + (ty * p + y) * S + tx * p + x];
            out[(1 + ty * g + tx) * 3 + c] = sum / (p * p);
          }
      return [tensor(out, [1, 1 + g * g, 3])];
    };
    const [f] = await denseFeatures(img, meanRunner, { size: S, patch: p, preset: 'clip' });
    expect(f.shape).toEqual([4, 6, 3]);
    const r = resizeBicubic(img, 32, 48);
    const { mean, std } = normalizationPresets.clip;
    const want: number[] = [];
    for (let gy = 0; gy < 4; gy++)
      for (let gx = 0; gx < 6; gx++)
        for (let c = 0; c < 3; c++) {
          let sum = 0;
          for (let y = 0; y < p; y++) for (let x = 0; x < p; x++) sum += (r.data[((gy * p + y) * 48 + gx * p + x) * 3 + c] / 255 - mean[c]) / std[c];
          want.push(sum / (p * p));
        }
    expect(f.data).toBeDeepCloseTo(want, 1e-5);
  });

  it('accepts non-contiguous runner outputs', async () => {
    const S = 8;
    const p = 4;
    const img = coordinateImage(4, 4, p);
    const { run } = coordinateRunner(S, p, 1, 1);
    const { run: run2 } = coordinateRunner(S, p, 1, 1); // its own tile-call counter
    // Same tokens, returned as a transposed view of a [1,D,T] buffer.
    const viewRunner: TileRunner = async (px) => {
      const [t] = await run2(px);
      const [, T, D] = t.shape;
      const tr = new Float32Array(T * D);
      for (let i = 0; i < T; i++) for (let d = 0; d < D; d++) tr[d * T + i] = t.data[i * D + d];
      return [tensor(tr, [1, D, T]).transpose(0, 2, 1)];
    };
    const a = await denseFeatures(img, run, { size: S, patch: p, preset: 'inception' });
    const b = await denseFeatures(img, viewRunner, { size: S, patch: p, preset: 'inception' });
    expect(Array.from(b[0].data)).toEqual(Array.from(a[0].data));
  });

  it('rejects bad options and malformed runner output, naming the layer', async () => {
    const img = coordinateImage(4, 4, 4);
    const { run } = coordinateRunner(8, 4, 1, 2);
    await expect(denseFeatures(img, run, { size: 10, patch: 4 })).rejects.toThrow(
      '`options.size` of denseFeatures must be a positive multiple of options.patch = 4. Got 10.',
    );
    await expect(denseFeatures(img, run, { size: 8, patch: 4, shortSide: 6 })).rejects.toThrow(VitValueError);
    await expect(denseFeatures(img, run, { size: 8, patch: 4, prefix: 0 })).rejects.toThrow(
      '`runTile` of denseFeatures must return for layer 1 a [1,T,D] tensor with T = prefix + (size/patch)² = 4 and D = 4. Got [1,5,4].',
    );
    const bad: TileRunner = async (px) => [(await run(px))[0], tensor(new Float32Array(10), [1, 5, 2])];
    let calls = 0;
    const changing: TileRunner = async (px) => ((calls += 1) === 1 ? bad(px) : [(await run(px))[0], tensor(new Float32Array(15), [1, 5, 3])]);
    await expect(denseFeatures(coordinateImage(4, 8, 4), changing, { size: 8, patch: 4 })).rejects.toThrow(
      '`runTile` of denseFeatures must return for layer 2 a [1,T,D] tensor with T = prefix + (size/patch)² = 5 and D = 2. Got [1,5,3].',
    );
    await expect(denseFeatures(img, async () => [], { size: 8, patch: 4 })).rejects.toThrow(
      '`runTile` of denseFeatures must resolve to a non-empty array of tensors. Got 0 tensors.',
    );
    await expect(denseFeatures(img, 'model' as unknown as TileRunner)).rejects.toThrow(/`runTile` of denseFeatures must be a function/);
    await expect(denseFeatures(tensor(new Uint8Array(16), [4, 4, 1]), run, { size: 8, patch: 4 })).rejects.toThrow(
      '`image` of denseFeatures must have shape [H,W,C] with C ∈ {3,4}. Got [4,4,1].',
    );
  });
});
