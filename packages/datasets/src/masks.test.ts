import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readNpy } from '@vit/io';
import { decodeCompressedCounts } from './decodeCompressedCounts.js';
import { encodeCompressedCounts } from './encodeCompressedCounts.js';
import { decodeRLE } from './decodeRLE.js';
import { polygonsToMask } from './polygonsToMask.js';
import { segmentationToMask } from './segmentationToMask.js';
import type { CocoSegmentation } from './segmentationToMask.js';
import { VitDatasetError } from './errors.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** Slow, obviously-correct column-major RLE decode for comparison. */
function naiveDecode(counts: number[], h: number, w: number): number[] {
  const colMajor: number[] = [];
  counts.forEach((c, i) => {
    for (let k = 0; k < c; k++) colMajor.push(i % 2);
  });
  const out = new Array<number>(h * w).fill(0);
  for (let x = 0; x < w; x++) for (let y = 0; y < h; y++) out[y * w + x] = colMajor[x * h + y];
  return out;
}

describe('mask decoding against the Python reference (tools/datasets-fixtures/make_reference.py)', async () => {
  const cases = JSON.parse(await readFile(fixture('mask_cases.json'), 'utf8')) as {
    height: number;
    width: number;
    cases: { name: string; segmentation: CocoSegmentation }[];
  };
  const ref = await readNpy(fixture('mask_reference.npy'));
  const { height: h, width: w } = cases;

  it('the reference holds one [H,W] uint8 mask per case', () => {
    expect(ref.tensor.shape).toEqual([cases.cases.length, h, w]);
    expect(ref.dtype).toBe('uint8');
    expect(cases.cases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases.cases.map((c, i) => [c.name, i] as const))('%s equals the reference pixel for pixel', (_name, i) => {
    const got = segmentationToMask(cases.cases[i].segmentation, [h, w]);
    expect(got.shape).toEqual([h, w]);
    const want = (ref.tensor.data as Uint8Array).subarray(i * h * w, (i + 1) * h * w);
    expect(Array.from(got.data)).toEqual(Array.from(want));
  });

  it('re-encodes every compressed case to the same string', () => {
    for (const c of cases.cases) {
      const seg = c.segmentation;
      if (Array.isArray(seg) || typeof seg.counts !== 'string') continue;
      expect(encodeCompressedCounts(decodeCompressedCounts(seg.counts))).toBe(seg.counts);
    }
  });
});

describe('decodeRLE', () => {
  it('walks runs column-major (hand example)', () => {
    // 2×3 image, column-major order: (0,0),(1,0),(0,1),(1,1),(0,2),(1,2); runs 1 zero, 2 ones, 3 zeros
    const m = decodeRLE({ size: [2, 3], counts: [1, 2, 3] });
    expect(m.shape).toEqual([2, 3]);
    expect(Array.from(m.data)).toEqual([0, 1, 0, 1, 0, 0]);
  });

  it('accepts a zero-length first run (mask starting with ones)', () => {
    expect(Array.from(decodeRLE({ size: [2, 2], counts: [0, 3, 1] }).data)).toEqual([1, 1, 1, 0]);
  });

  it('equals a naive decoder on random masks', () => {
    let s = 7;
    const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let t = 0; t < 20; t++) {
      const h = 1 + Math.floor(rand() * 9);
      const w = 1 + Math.floor(rand() * 9);
      const counts: number[] = [];
      let left = h * w;
      while (left > 0) {
        const c = Math.min(left, Math.floor(rand() * 5));
        counts.push(c);
        left -= c;
      }
      if (counts.length % 2 === 0) counts.push(0);
      expect(Array.from(decodeRLE({ size: [h, w], counts }).data)).toEqual(naiveDecode(counts, h, w));
      expect(Array.from(decodeRLE({ size: [h, w], counts: encodeCompressedCounts(counts) }).data)).toEqual(naiveDecode(counts, h, w));
    }
  });

  it('refuses counts that overflow the image, naming the file', () => {
    const bad = () => decodeRLE({ size: [2, 2], counts: [1, 2, 3] }, { file: 'instances_val2017.json' });
    expect(bad).toThrow(VitDatasetError);
    expect(bad).toThrow(/^instances_val2017\.json: RLE counts of decodeRLE sum to 6 but size \[2,2\] holds H·W = 4 pixels \(overflow\)/);
    try {
      bad();
    } catch (e) {
      expect((e as VitDatasetError).code).toBe('VIT_RLE_OVERFLOW');
      expect((e as VitDatasetError).file).toBe('instances_val2017.json');
    }
    expect(() => decodeRLE({ size: [2, 2], counts: encodeCompressedCounts([1, 9]) })).toThrow(/overflow/);
    expect(() => decodeRLE({ size: [2, 2], counts: [1, 1] })).toThrow(/underflow/);
  });

  it('refuses sizes no image has instead of allocating them', () => {
    expect(() => decodeRLE({ size: [100000, 100000], counts: [1e10] }, { file: 'big.json' })).toThrow(/^big\.json: `rle\.size` of decodeRLE is \[100000,100000\], more than 2\^28 pixels/);
    expect(() => polygonsToMask([[0, 0, 1, 0, 1, 1]], [100000, 100000])).toThrow(/more than 2\^28 pixels/);
  });

  it('refuses malformed RLE', () => {
    expect(() => decodeRLE({ size: [2], counts: [4] } as never)).toThrow(/must be \{ size: \[H, W\], counts \}/);
    expect(() => decodeRLE({ size: [2, 2], counts: [1, -1, 4] })).toThrow(/non-negative integers. Got -1 at 1/);
    expect(() => decodeRLE({ size: [2, 2], counts: '5~' })).toThrow(/outside '0'..'o'/);
  });
});

describe('decodeCompressedCounts / encodeCompressedCounts', () => {
  it('decodes single-character counts with the delta from the fourth count on', () => {
    // '5','2','2' are literal; the fourth char '0' means counts[1] + 0 = 2, the fifth '3' means counts[2] + 3 = 5
    expect(decodeCompressedCounts('52203')).toEqual([5, 2, 2, 2, 5]);
  });

  it('decodes multi-group and negative deltas (hand-computed)', () => {
    // 100 = 0b11_00100: first group 4 | 0x20 → char 48+36 = 'T', second group 3 → '3'
    expect(decodeCompressedCounts('T3')).toEqual([100]);
    // -1 as a delta: group 0x1f (sign bit set), no continuation → char 48+31 = 'O'
    expect(decodeCompressedCounts('123O')).toEqual([1, 2, 3, 1]);
    expect(encodeCompressedCounts([100])).toBe('T3');
    expect(encodeCompressedCounts([1, 2, 3, 1])).toBe('123O');
  });

  it('round-trips large counts', () => {
    const counts = [0, 2 ** 31 + 5, 3, 1, 2 ** 20, 7, 0, 12345678];
    expect(decodeCompressedCounts(encodeCompressedCounts(counts))).toEqual(counts);
  });

  it('names the file on a truncated string', () => {
    expect(() => decodeCompressedCounts('T', { file: 'a.json' })).toThrow(/^a\.json: .*ends inside a number/);
  });
});

describe('polygonsToMask', () => {
  it('rasterises an axis-aligned rectangle as pycocotools does', () => {
    // pycocotools covers columns 1..3 and rows 1..2 for the box with corners (1,1) and (4,3)
    const m = polygonsToMask([[1, 1, 4, 1, 4, 3, 1, 3]], [5, 6]);
    const rows = [];
    for (let y = 0; y < 5; y++) rows.push(Array.from(m.data.subarray(y * 6, y * 6 + 6)).join(''));
    expect(rows).toEqual(['000000', '011100', '011100', '000000', '000000']);
  });

  it('takes the union of several polygons and ignores ones with under 3 points', () => {
    const a = polygonsToMask([[0, 0, 2, 0, 2, 2, 0, 2]], [4, 4]);
    const b = polygonsToMask([[2, 2, 4, 2, 4, 4, 2, 4]], [4, 4]);
    const u = polygonsToMask([[0, 0, 2, 0, 2, 2, 0, 2], [2, 2, 4, 2, 4, 4, 2, 4], [1, 1, 3, 3]], [4, 4]);
    expect(Array.from(u.data)).toEqual(Array.from(a.data).map((v, k) => v | b.data[k]));
  });

  it('refuses odd-length polygons, naming the file', () => {
    expect(() => polygonsToMask([[1, 2, 3]], [4, 4], { file: 'x.json' })).toThrow(/^x\.json: polygon 0 of polygonsToMask must be an even-length list/);
  });

  it('segmentationToMask refuses an RLE whose size differs from the image', () => {
    expect(() => segmentationToMask({ size: [3, 3], counts: [9] }, [4, 4])).toThrow(/RLE size \[3,3\] of segmentationToMask differs from the image size \[4,4\]/);
  });
});
