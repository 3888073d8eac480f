import { describe, expect, it } from 'vitest';
import { decodeImage } from './decodeImage.js';
import { encodePng } from './encodePng.js';
import { VitIoError } from './errors.js';
import { parseNpy } from './parseNpy.js';
import { tensor, type Tensor } from './tensor.js';
import { fixture, manifest } from './testFixtures.js';

const images = manifest().images;

/** The 16×32 test picture the fixture script encodes: four 8-aligned colour blocks. */
const BLOCKS = { tl: [220, 30, 30], tr: [30, 200, 40], bl: [40, 40, 210], br: [235, 235, 30] };
function basePicture(): Tensor<Uint8Array> {
  const d = new Uint8Array(16 * 32 * 3);
  for (let y = 0; y < 16; y++) {
    for (let x = 0; x < 32; x++) {
      const c = y < 8 ? (x < 16 ? BLOCKS.tl : BLOCKS.tr) : x < 16 ? BLOCKS.bl : BLOCKS.br;
      d.set(c, (y * 32 + x) * 3);
    }
  }
  return tensor(d, [16, 32, 3]);
}

/**
 * Slow reference for the EXIF orientation tag (TIFF 6 / Exif 2.3): the stored picture is
 * shown after this transform. Returns out(y, x) = stored(sy, sx).
 */
function orient(src: Tensor<Uint8Array>, k: number): Tensor<Uint8Array> {
  const [h, w] = src.shape;
  const swap = k >= 5;
  const H = swap ? w : h;
  const W = swap ? h : w;
  const out = new Uint8Array(H * W * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const [sy, sx] = {
        1: [y, x], 2: [y, w - 1 - x], 3: [h - 1 - y, w - 1 - x], 4: [h - 1 - y, x],
        5: [x, y], 6: [h - 1 - x, y], 7: [h - 1 - x, w - 1 - y], 8: [x, w - 1 - y],
      }[k]!;
      for (let c = 0; c < 3; c++) out[(y * W + x) * 3 + c] = src.data[(sy * w + sx) * 3 + c];
    }
  }
  return tensor(out, [H, W, 3]);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function catchIo(p: Promise<unknown>): Promise<VitIoError> {
  return p.then(
    () => {
      throw new Error('expected a VitIoError');
    },
    (e) => {
      expect(e).toBeInstanceOf(VitIoError);
      return e as VitIoError;
    },
  );
}

describe('decodeImage: JPEG', () => {
  it.each(images.filter((e) => e.orientation && e.file.includes('orientation')).map((e) => [e.orientation!, e] as const))(
    'applies EXIF orientation %i when asked, like the TIFF definition and like Pillow',
    async (k, e) => {
      const t = await decodeImage(fixture(e.file), { file: e.file, exifOrientation: true });
      expect(t.shape).toEqual(e.shape);
      expect(t.data).toBeInstanceOf(Uint8Array);
      // Against an independent transform of the known picture (JPEG loss ≤ a few levels).
      const want = orient(basePicture(), k);
      expect(t.shape).toEqual(want.shape);
      expect(maxAbsDiff(t.data, want.data)).toBeLessThanOrEqual(6);
      // And against Pillow's exif_transpose of the same file.
      const pil = parseNpy(fixture(e.expected!)).tensor;
      expect(maxAbsDiff(t.data, pil.data as Uint8Array)).toBe(0);
      const js = await decodeImage(fixture(e.file), { file: e.file, exifOrientation: true, decoder: 'jimp' });
      expect(js.shape).toEqual(e.shape);
      expect(maxAbsDiff(js.data, pil.data as Uint8Array)).toBeLessThanOrEqual(2);
      // Without the option both return the stored (unrotated) picture, as PIL.Image.open.
      for (const decoder of ['sharp', 'jimp'] as const) {
        const stored = await decodeImage(fixture(e.file), { decoder });
        expect(stored.shape).toEqual([16, 32, 3]);
        expect(maxAbsDiff(stored.data, basePicture().data)).toBeLessThanOrEqual(6);
      }
    },
  );
  it('decodes progressive, grayscale, CMYK and 4:2:0 JPEGs close to Pillow with the jimp fallback', async () => {
    for (const e of images.filter((x) => x.kind === 'jpeg' && !x.file.includes('orientation'))) {
      const t = await decodeImage(fixture(e.file), { file: e.file, decoder: 'jimp' });
      const pil = parseNpy(fixture(e.expected!)).tensor.data as Uint8Array;
      expect(t.shape, e.file).toEqual(e.shape);
      let sum = 0;
      for (let i = 0; i < pil.length; i++) sum += Math.abs(t.data[i] - pil[i]);
      // jpeg-js upsamples 4:2:0 chroma by replication, libjpeg (Pillow) by interpolation: on this
      // steep gradient that costs a few levels; 4:4:4 files agree to ±3 levels.
      const sub = e.file.includes('420');
      expect(maxAbsDiff(t.data, pil), e.file).toBeLessThanOrEqual(sub ? 16 : 3);
      expect(sum / pil.length, e.file).toBeLessThan(sub ? 6 : 1);
    }
  });
  it('returns opaque RGBA with { alpha: true }', async () => {
    const t = await decodeImage(fixture('images/orientation_1.jpg'), { alpha: true });
    expect(t.shape).toEqual([16, 32, 4]);
    for (let i = 3; i < t.data.length; i += 4) expect(t.data[i]).toBe(255);
  });
});

describe('decodeImage: PNG', () => {
  it.each(images.filter((e) => e.kind === 'png').map((e) => [e.file, e] as const))('%s equals the independently computed pixels', async (file, e) => {
    const want = parseNpy(fixture(e.rgba!)).tensor.data as Uint8Array; // [H,W,4]
    const rgba = await decodeImage(fixture(file), { file, alpha: true });
    expect(rgba.shape).toEqual([...e.shape, 4]);
    expect(Array.from(rgba.data)).toEqual(Array.from(want));
    const rgb = await decodeImage(fixture(file), file);
    expect(rgb.shape).toEqual([...e.shape, 3]);
    expect(Array.from(rgb.data)).toEqual(Array.from(want).filter((_, i) => i % 4 !== 3));
  });
  it('covers gray 1/2/8/16-bit, gray+alpha, RGB 8/16, RGBA, palette 2/8-bit with tRNS', () => {
    const kinds = new Set(images.filter((e) => e.kind === 'png').map((e) => `${e.colorType}/${e.depth}`));
    for (const k of ['0/1', '0/2', '0/8', '0/16', '4/8', '2/8', '2/16', '6/8', '3/2', '3/8']) expect(kinds).toContain(k);
  });
  it('applies a tRNS colour key to grayscale and RGB as alpha', async () => {
    // Hand-made: 2×1 gray PNG with tRNS gray key 7.
    const png = encodePng(tensor(new Uint8Array([7, 9]), [1, 2]));
    const withKey = insertChunk(png, 'tRNS', new Uint8Array([0, 7]));
    const t = await decodeImage(withKey, { alpha: true });
    expect(Array.from(t.data)).toEqual([7, 7, 7, 0, 9, 9, 9, 255]);
  });
});

describe('decodeImage bad input', () => {
  const png = encodePng(tensor(new Uint8Array(4 * 4 * 3).fill(77), [4, 4, 3]));
  it('names the file and the problem', async () => {
    let e = await catchIo(decodeImage(new TextEncoder().encode('GIF89a....'), 'a.gif'));
    expect(e.code).toBe('VIT_IO_MAGIC');
    expect(e.message).toBe('a.gif: not a PNG or JPEG image: it starts with 47 49 46 38 39 61 2e 2e ….');
    e = await catchIo(decodeImage(png.subarray(0, png.length - 20), 'cut.png'));
    expect(e.code).toBe('VIT_IO_TRUNCATED');
    expect(e.message).toMatch(/^cut\.png: PNG chunk 'IDAT' at byte 33 runs past the end of the file \(truncated\)\./);
    const flipped = png.slice();
    flipped[45] ^= 0x55; // inside the compressed IDAT data
    e = await catchIo(decodeImage(flipped, 'idat.png'));
    expect(e.code).toBe('VIT_IO_IMAGE');
    expect(e.message).toMatch(/^idat\.png: corrupt PNG \(/);
    const badCrc = png.slice();
    badCrc[30] ^= 0x01; // IHDR's CRC
    e = await catchIo(decodeImage(badCrc, 'crc.png'));
    expect(e.message).toMatch(/^crc\.png: corrupt PNG \(.*CRC/i);
    const jpg = fixture('images/orientation_1.jpg');
    e = await catchIo(decodeImage(jpg.subarray(0, 200), 'cut.jpg'));
    expect(e.code).toBe('VIT_IO_IMAGE');
    expect(e.message).toMatch(/^cut\.jpg: corrupt JPEG/);
  });
  it('refuses size claims the data cannot back, before decoding', async () => {
    const big = png.slice();
    new DataView(big.buffer).setUint32(16, 60000); // IHDR width
    new DataView(big.buffer).setUint32(20, 60000); // IHDR height
    const e = await catchIo(decodeImage(big, 'bomb.png'));
    expect(e.message).toMatch(/60000×60000 pixels (exceeds the limit|cannot come from)/);
    const jpg = fixture('images/orientation_1.jpg').slice();
    // Patch the SOF0 frame size to 65000×65000.
    for (let i = 2; i < jpg.length - 8; i++) {
      if (jpg[i] === 0xff && jpg[i + 1] === 0xc0) {
        jpg.set([0xfd, 0xe8, 0xfd, 0xe8], i + 5);
        break;
      }
    }
    expect((await catchIo(decodeImage(jpg, 'big.jpg'))).message).toMatch(/^big\.jpg: JPEG of 65000×65000 pixels exceeds the limit/);
    expect((await catchIo(decodeImage(fixture('images/orientation_1.jpg'), { maxPixels: 100 }))).message).toMatch(/exceeds the limit of 100 pixels \(maxPixels\)/);
  });
});

/** Insert a chunk (with a correct CRC) right after IHDR. */
function insertChunk(png: Uint8Array, type: string, data: Uint8Array): Uint8Array {
  const body = new Uint8Array(4 + data.length);
  body.set(new TextEncoder().encode(type));
  body.set(data, 4);
  let c = -1;
  for (const b of body) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  const chunk = new Uint8Array(12 + data.length);
  const dv = new DataView(chunk.buffer);
  dv.setUint32(0, data.length);
  chunk.set(body, 4);
  dv.setUint32(8 + data.length, (c ^ -1) >>> 0);
  const at = 8 + 25;
  const out = new Uint8Array(png.length + chunk.length);
  out.set(png.subarray(0, at));
  out.set(chunk, at);
  out.set(png.subarray(at), at + chunk.length);
  return out;
}
