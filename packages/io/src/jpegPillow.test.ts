import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeImage } from './decodeImage.js';
import { imageDecoder } from './imageDecoder.js';
import { parseNpy } from './parseNpy.js';

// Real-world JPEG kinds written with Pillow 12 / cjpeg, and Pillow's own decoded pixels
// (np.asarray(Image.open(p).convert('RGB'))): tools/jpeg-fixtures/make_fixtures.py.
const DIR = new URL('../../../tools/jpeg-fixtures/fixtures/', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('manifest.json', DIR), 'utf8')) as {
  kinds: Record<string, { size: [number, number]; mode: string; exifOrientation?: number }>;
};
const kinds = Object.keys(manifest.kinds);
const read = (name: string) => readFileSync(new URL(name, DIR));
const pillow = (name: string) => parseNpy(read(name)).tensor.data as Uint8Array;

function diff(a: Uint8Array, b: Uint8Array): { max: number; mean: number } {
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    sum += d;
    if (d > max) max = d;
  }
  return { max, mean: sum / a.length };
}

describe('JPEG decoding against Pillow (tools/jpeg-fixtures)', () => {
  it('uses sharp by default here (it is installed with npm ci)', async () => {
    const d = await imageDecoder();
    expect(d.jpeg).toBe('sharp');
    expect(d.description).toMatch(/^sharp \d+\.\d+\.\d+ \(libvips /);
  });

  it('covers the kinds the issue names', () => {
    for (const k of ['baseline-420-noisy', 'baseline-422-noisy', 'baseline-444-noisy', 'progressive-420', 'grayscale', 'cmyk-adobe', 'cmyk-no-adobe', 'exif-rotated', 'restart-blocks', 'baseline-420-smooth']) {
      expect(kinds).toContain(k);
    }
  });

  it.each(kinds)('%s: sharp gives exactly Pillow’s pixels', async (kind) => {
    const [w, h] = manifest.kinds[kind].size;
    const t = await decodeImage(read(`${kind}.jpg`), { file: kind, decoder: 'sharp' });
    expect(t.shape).toEqual([h, w, 3]);
    expect(diff(t.data, pillow(`${kind}.npy`))).toEqual({ max: 0, mean: 0 });
  });

  it('exif-rotated: exifOrientation applies ImageOps.exif_transpose, exactly (sharp) and within JPEG noise (jimp)', async () => {
    const [w, h] = manifest.kinds['exif-rotated'].size;
    const want = pillow('exif-rotated.transposed.npy');
    const s = await decodeImage(read('exif-rotated.jpg'), { decoder: 'sharp', exifOrientation: true });
    expect(s.shape).toEqual([w, h, 3]);
    expect(diff(s.data, want).max).toBe(0);
    const j = await decodeImage(read('exif-rotated.jpg'), { decoder: 'jimp', exifOrientation: true });
    expect(j.shape).toEqual([w, h, 3]);
    expect(diff(j.data, want).mean).toBeLessThan(3);
    // Not asked: the stored pixels, as PIL.Image.open gives them, from both decoders.
    const stored = await decodeImage(read('exif-rotated.jpg'), { decoder: 'jimp' });
    expect(stored.shape).toEqual([h, w, 3]);
    expect(diff(stored.data, pillow('exif-rotated.npy')).mean).toBeLessThan(3);
  });

  it('the jimp fallback stays within its measured distance of Pillow (chroma replication, own IDCT)', async () => {
    for (const kind of kinds) {
      // jpeg-js knows neither arithmetic coding nor CMYK without an Adobe segment.
      if (kind === 'arithmetic-cjpeg' || kind === 'cmyk-no-adobe') {
        await expect(decodeImage(read(`${kind}.jpg`), { file: kind, decoder: 'jimp' })).rejects.toThrow(new RegExp(`^${kind}: corrupt or unsupported JPEG`));
        continue;
      }
      const t = await decodeImage(read(`${kind}.jpg`), { file: kind, decoder: 'jimp' });
      const d = diff(t.data, pillow(`${kind}.npy`));
      // Measured: ≤ 38 levels max, ≤ 4.6 mean on noisy 4:2:0; ≤ 3 / 0.6 on 4:4:4 and gray.
      expect(d.max, kind).toBeLessThanOrEqual(40);
      expect(d.mean, kind).toBeLessThan(5);
    }
  });

  it('refuses a file truncated inside the scan, as Pillow does ("image file is truncated")', async () => {
    const b = read('baseline-420-noisy.jpg');
    for (const decoder of ['sharp', 'jimp'] as const) {
      for (const n of [Math.floor(b.length * 0.6), b.length - 2]) {
        await expect(decodeImage(b.subarray(0, n), { decoder, file: 'cut.jpg' }), `${decoder} ${n}`).rejects.toMatchObject({ code: 'VIT_IO_IMAGE', message: expect.stringMatching(/^cut\.jpg: corrupt/) });
      }
    }
  });

  it('rejects a bad decoder name', async () => {
    await expect(decodeImage(read('grayscale.jpg'), { decoder: 'libjpeg' as never })).rejects.toThrow(
      "`options.decoder` of decodeImage must be 'auto', 'sharp' or 'jimp'. Got \"libjpeg\".",
    );
  });
});
