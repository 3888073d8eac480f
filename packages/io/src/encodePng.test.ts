import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeImage } from './decodeImage.js';
import { decodeIndexedPng } from './decodeIndexedPng.js';
import { encodePng } from './encodePng.js';
import { readImage } from './readImage.js';
import { readLabelPng } from './readLabelPng.js';
import { tensor } from './tensor.js';
import { transpose } from './transpose.js';
import { writePng } from './writePng.js';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

const ramp = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37) % 256);

describe('encodePng', () => {
  it('round-trips gray, gray+alpha, RGB and RGBA through decodeImage', async () => {
    const h = 3;
    const w = 5;
    for (const c of [1, 2, 3, 4]) {
      const d = ramp(h * w * c);
      const rgba = await decodeImage(encodePng(tensor(d, [h, w, c])), { alpha: true });
      for (let i = 0; i < h * w; i++) {
        const px = Array.from(rgba.data.subarray(i * 4, i * 4 + 4));
        const src = Array.from(d.subarray(i * c, i * c + c));
        const want = c === 1 ? [src[0], src[0], src[0], 255] : c === 2 ? [src[0], src[0], src[0], src[1]] : c === 3 ? [...src, 255] : src;
        expect(px, `C=${c} pixel ${i}`).toEqual(want);
      }
    }
    const g = encodePng(tensor(ramp(6), [2, 3]));
    expect(Array.from((await decodeImage(g)).data)).toEqual(Array.from(ramp(6)).flatMap((v) => [v, v, v]));
  });
  it('writes strided views in logical order', async () => {
    const base = tensor(ramp(6), [2, 3]);
    const t = await decodeImage(encodePng(transpose(base)));
    expect(t.shape).toEqual([3, 2, 3]);
    expect(Array.from(t.data).filter((_, i) => i % 3 === 0)).toEqual([0, 111, 37, 148, 74, 185]);
  });
  it('writes indexed PNGs whose indices come back', () => {
    const idx = tensor(Uint8Array.from([0, 1, 2, 2, 1, 0]), [2, 3]);
    const pal = [[0, 0, 0], [128, 0, 0], [0, 128, 0]];
    const back = decodeIndexedPng(encodePng(idx, { palette: pal }));
    expect(Array.from(back.data)).toEqual([0, 1, 2, 2, 1, 0]);
    expect(() => encodePng(tensor(Uint8Array.from([3]), [1, 1]), { palette: pal })).toThrow(/index 3 at pixel \(0, 0\), outside the palette of 3 colours/);
    expect(() => encodePng(idx, { palette: [[1, 2]] })).toThrow(/\[r,g,b\] or \[r,g,b,a\]/);
  });
  it('rejects other dtypes, ranks, channel counts and empty images', () => {
    expect(() => encodePng(tensor(new Float32Array(4), [2, 2]) as never)).toThrow('`t` of encodePng must be a uint8 tensor [H,W] or [H,W,C]. Got Float32Array.');
    expect(() => encodePng(tensor(new Uint8Array(10), [1, 2, 5]))).toThrow(/C in 1..4. Got \[1,2,5\]/);
    expect(() => encodePng(tensor(new Uint8Array(0), [0, 2]))).toThrow(/H,W ≥ 1/);
    expect(() => encodePng(tensor(new Uint8Array(8), [2, 2, 2, 1]))).toThrow(/shape \[H,W\] or \[H,W,C\]/);
  });
});

describe('writePng / readImage / readLabelPng', () => {
  it('write atomically and read back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vit-io-png-'));
    dirs.push(dir);
    const img = tensor(ramp(2 * 2 * 3), [2, 2, 3]);
    await writePng(join(dir, 'a.png'), img);
    expect(Array.from((await readImage(join(dir, 'a.png'))).data)).toEqual(Array.from(img.data));
    await writePng(join(dir, 'm.png'), tensor(Uint8Array.from([0, 1, 1, 0]), [2, 2]), { palette: [[0, 0, 0], [9, 9, 9]] });
    expect(Array.from((await readLabelPng(join(dir, 'm.png'))).data)).toEqual([0, 1, 1, 0]);
    expect((await readdir(dir)).sort()).toEqual(['a.png', 'm.png']);
    await expect(readImage(join(dir, 'nope.png'))).rejects.toThrow(/nope\.png: cannot read \(ENOENT\)/);
  });
});
