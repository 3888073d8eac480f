import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VitValueError, tensor } from '@vit/io';
import type { Tensor } from '@vit/io';
import { resizeBicubic } from './resizeBicubic.js';

interface ResizeCase {
  dtype: 'uint8' | 'float32';
  shape: [number, number, number];
  out: [number, number];
  input: number[];
  expected: number[];
}
const fixture = JSON.parse(
  readFileSync(new URL('../../../../tools/preprocess-fixtures/fixtures/pil-resize.json', import.meta.url), 'utf8'),
) as { pillow: string; cases: ResizeCase[] };

/**
 * Slow, obviously-correct second implementation straight from the definition (no fixed point,
 * no pass skipping, float64 throughout): out[y,x] = Σ_i Σ_j w_y(i) w_x(j) in[i,j], with
 * w(i) ∝ cubic((i + ½ − centre) / s) over the clipped support, renormalised to sum 1.
 */
function weights(inSize: number, outSize: number, a: number, antialias: boolean): number[][] {
  const scale = inSize / outSize;
  const s = antialias ? Math.max(1, scale) : 1;
  const cubic = (x: number) => {
    x = Math.abs(x);
    return x < 1 ? (a + 2) * x ** 3 - (a + 3) * x ** 2 + 1 : x < 2 ? a * (x ** 3 - 5 * x ** 2 + 8 * x - 4) : 0;
  };
  return Array.from({ length: outSize }, (_, o) => {
    const centre = (o + 0.5) * scale;
    const w = Array.from({ length: inSize }, (_, i) => (Math.abs(i + 0.5 - centre) < 2 * s + 0.5 ? cubic((i + 0.5 - centre) / s) : 0));
    const sum = w.reduce((p, q) => p + q, 0);
    return w.map((v) => v / sum);
  });
}
function slowResize(img: Tensor<Float32Array>, oh: number, ow: number, a = -0.5, antialias = true): number[] {
  const [H, W, C] = img.shape;
  const wy = weights(H, oh, a, antialias);
  const wx = weights(W, ow, a, antialias);
  const out: number[] = [];
  for (let y = 0; y < oh; y++)
    for (let x = 0; x < ow; x++)
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) s += wy[y][i] * wx[x][j] * img.data[(i * W + j) * C + c];
        out.push(s);
      }
  return out;
}

describe('resizeBicubic against Pillow', () => {
  for (const c of fixture.cases) {
    const [H, W, C] = c.shape;
    const [oh, ow] = c.out;
    if (c.dtype === 'uint8') {
      it(`uint8 [${H},${W},${C}] → [${oh},${ow}] is bit-identical to Pillow ${fixture.pillow}`, () => {
        const got = resizeBicubic(tensor(Uint8Array.from(c.input), c.shape), oh, ow);
        expect(got.shape).toEqual([oh, ow, C]);
        expect(got.data).toBeInstanceOf(Uint8Array);
        expect(Array.from(got.data)).toEqual(c.expected);
      });
    } else {
      it(`float32 [${H},${W}] → [${oh},${ow}] equals Pillow mode F to 1e-5`, () => {
        const got = resizeBicubic(tensor(Float32Array.from(c.input), c.shape), oh, ow);
        expect(got.data).toBeInstanceOf(Float32Array);
        expect(got.data).toBeDeepCloseTo(c.expected, 1e-5);
      });
    }
  }
});

describe('resizeBicubic', () => {
  const r = (() => {
    let s = 7;
    return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1;
  })();
  const img = tensor(Float32Array.from({ length: 11 * 14 * 2 }, r), [11, 14, 2]);

  it.each([
    [5, 6],
    [23, 9],
    [11, 30],
    [1, 1],
  ])('float32 equals the definition (float64 separable sum) → [%i,%i] to 1e-5', (oh, ow) => {
    expect(resizeBicubic(img, oh, ow).data).toBeDeepCloseTo(slowResize(img, oh, ow), 1e-5);
  });

  it('options: a = -0.75 and no antialiasing follow the same definition', () => {
    expect(resizeBicubic(img, 4, 5, { a: -0.75 }).data).toBeDeepCloseTo(slowResize(img, 4, 5, -0.75), 1e-5);
    expect(resizeBicubic(img, 4, 5, { antialias: false }).data).toBeDeepCloseTo(slowResize(img, 4, 5, -0.5, false), 1e-5);
    // Antialiased shrinking averages 1-pixel stripes to their mean away from the borders.
    const stripes = tensor(Float32Array.from({ length: 1 * 64 }, (_, i) => i % 2), [1, 64, 1]);
    expect(resizeBicubic(stripes, 1, 8).data.subarray(1, 7)).toBeDeepCloseTo(new Float32Array(6).fill(0.5), 0.01);
  });

  it('same size is the identity; constant images stay constant', () => {
    const u = tensor(Uint8Array.from({ length: 6 * 5 * 3 }, (_, i) => (i * 37) % 256), [6, 5, 3]);
    expect(Array.from(resizeBicubic(u, 6, 5).data)).toEqual(Array.from(u.data));
    const k = tensor(new Uint8Array(9 * 13 * 3).fill(200), [9, 13, 3]);
    for (const [oh, ow] of [[4, 4], [20, 31], [1, 13]]) expect(Array.from(resizeBicubic(k, oh, ow).data).every((v) => v === 200)).toBe(true);
  });

  it('uint8 output is clamped to 0..255 at overshooting edges', () => {
    const step = tensor(Uint8Array.from({ length: 8 }, (_, i) => (i < 4 ? 0 : 255)), [1, 8, 1]);
    const up = resizeBicubic(step, 1, 32);
    expect(Math.min(...up.data)).toBe(0);
    expect(Math.max(...up.data)).toBe(255);
    const f = resizeBicubic(tensor(Float32Array.from(step.data), [1, 8, 1]), 1, 32);
    expect(Math.min(...f.data)).toBeLessThan(0); // float keeps the cubic overshoot
  });

  it('strided views give the same result as their dense copy', () => {
    const u = tensor(Uint8Array.from({ length: 12 * 10 * 3 }, (_, i) => (i * 91) % 256), [12, 10, 3]);
    const v = u.step(2, -1, 1); // every other row, columns reversed
    const dense = tensor(Uint8Array.from({ length: 6 * 10 * 3 }, (_, i) => v.get(Math.floor(i / 30), Math.floor(i / 3) % 10, i % 3)), [6, 10, 3]);
    expect(Array.from(resizeBicubic(v, 4, 7).data)).toEqual(Array.from(resizeBicubic(dense, 4, 7).data));
    const clamped = tensor(new Uint8ClampedArray(u.data), [12, 10, 3]);
    expect(Array.from(resizeBicubic(clamped as unknown as Tensor<Uint8Array>, 5, 5).data)).toEqual(Array.from(resizeBicubic(u, 5, 5).data));
  });

  it('rejects bad input with one line naming the argument', () => {
    const u = tensor(new Uint8Array(12), [2, 2, 3]);
    expect(() => resizeBicubic(u, 0, 3)).toThrow('`outH` of resizeBicubic must be a positive integer. Got 0.');
    expect(() => resizeBicubic(u, 3, 2.5)).toThrow(VitValueError);
    expect(() => resizeBicubic(tensor(new Uint8Array(12), [4, 3]) as Tensor<Uint8Array>, 3, 3)).toThrow(
      '`image` of resizeBicubic must have shape [H,W,C] with C ≥ 1. Got [4,3].',
    );
    expect(() => resizeBicubic(tensor(new Float64Array(12), [2, 2, 3]) as unknown as Tensor<Uint8Array>, 3, 3)).toThrow(
      '`image` of resizeBicubic must be an [H,W,C] uint8 or float32 ndarray tensor. Got Float64Array.',
    );
    expect(() => resizeBicubic(tensor(new Uint8Array(0), [0, 2, 3]), 3, 3)).toThrow(/must not be empty/);
  });
});
