// The zoo's miniature benchmark (examples/zoo/bench, written by tools/zoo/make_benchmark.py) is read
// by the readers of this package in its real on-disk layouts, and what they decode agrees with the
// numbers the Python generator computed independently (bench/manifest.json, the annotation areas, the
// keypoint transforms).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readImage, readLabelPng } from '@vit/io';
import { coco } from './coco.js';
import { davis } from './davis.js';
import { partImageNet } from './partImageNet.js';
import { spair } from './spair.js';

const BENCH = fileURLToPath(new URL('../../../examples/zoo/bench/', import.meta.url));
const manifest = JSON.parse(readFileSync(`${BENCH}manifest.json`, 'utf8')) as {
  sample: { maskArea: number[]; objectMeanRGB: Record<string, number[]>; backgroundMeanRGB: Record<string, number[]> };
  davis: Record<string, number[][]>;
};
const SIZE = 64;

const sum = (a: Uint8Array): number => a.reduce((s, v) => s + v, 0);

describe('zoo benchmark: labelled sample', () => {
  const meta = JSON.parse(readFileSync(`${BENCH}sample/labels.json`, 'utf8')) as {
    classes: string[];
    files: string[];
    labels: number[];
    knnProtocol: { train: [number, number]; test: [number, number] };
  };

  it('lists 1000 labelled images, every class in both k-NN halves', () => {
    expect(meta.files.length).toBe(1000);
    expect(meta.labels.length).toBe(1000);
    expect(meta.classes.length).toBe(10);
    expect([meta.knnProtocol.train, meta.knnProtocol.test]).toEqual([
      [0, 500],
      [500, 1000],
    ]);
    for (const [s, e] of [meta.knnProtocol.train, meta.knnProtocol.test]) expect(new Set(meta.labels.slice(s, e)).size).toBe(10);
  });

  it('has 64×64 RGB images whose exact masks select the object pixels the generator painted', async () => {
    for (const i of [0, 1, 499, 999]) {
      const img = await readImage(`${BENCH}sample/images/${meta.files[i]}`);
      const mask = await readLabelPng(`${BENCH}sample/masks/${meta.files[i]}`);
      expect(img.shape).toEqual([SIZE, SIZE, 3]);
      expect(mask.shape).toEqual([SIZE, SIZE]);
      expect(sum(mask.data)).toBe(manifest.sample.maskArea[i]);
      const fg = [0, 0, 0];
      const bg = [0, 0, 0];
      let n = 0;
      for (let p = 0; p < SIZE * SIZE; p++) {
        expect(mask.data[p] <= 1).toBe(true);
        const acc = mask.data[p] ? fg : bg;
        if (mask.data[p]) n++;
        for (let c = 0; c < 3; c++) acc[c] += img.data[img.offset + p * 3 + c];
      }
      // lossless PNGs: the means agree with numpy's to the 4 decimals the manifest keeps
      for (let c = 0; c < 3; c++) {
        expect(Math.abs(fg[c] / n - manifest.sample.objectMeanRGB[String(i)][c])).toBeLessThanOrEqual(1e-4);
        expect(Math.abs(bg[c] / (SIZE * SIZE - n) - manifest.sample.backgroundMeanRGB[String(i)][c])).toBeLessThanOrEqual(1e-4);
      }
    }
    // the object covers 10–47% of the canvas side squared at most; its mask is never empty
    const areas = manifest.sample.maskArea;
    expect(Math.min(...areas)).toBeGreaterThan(20);
    expect(Math.max(...areas)).toBeLessThan(44 * 44);
  });
});

describe('zoo benchmark: COCO layout', () => {
  it('reads 100 scenes with 1–3 instances whose decoded masks have the generator’s areas and never overlap', async () => {
    const ds = await coco(`${BENCH}coco`, { limit: Infinity });
    expect(ds.samples.length).toBe(100);
    expect(ds.categories.length).toBe(10);
    expect(ds.describe().skipped).toEqual([]);
    let instances = 0;
    for (const s of ds.samples) {
      const { masks, categoryIds } = s.instanceMasks();
      const [n, h, w] = masks.shape;
      expect([h, w]).toEqual([SIZE, SIZE]);
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(3);
      const cover = new Uint8Array(h * w);
      s.annotations.forEach((a, k) => {
        const m = masks.data.subarray(k * h * w, (k + 1) * h * w);
        expect(sum(m)).toBe(a.area);
        for (let p = 0; p < h * w; p++) cover[p] += m[p];
        expect(categoryIds[k]).toBeGreaterThanOrEqual(1);
        expect(categoryIds[k]).toBeLessThanOrEqual(10);
      });
      expect(Math.max(...cover)).toBe(1);
      instances += n;
    }
    // scenes cycle through 1, 2, 3 items: 34 + 33·2 + 33·3 = 199 items, all visible
    expect(instances).toBe(199);
    const img = await ds.samples[0].loadImage();
    expect(img.shape).toEqual([SIZE, SIZE, 3]);
  });
});

describe('zoo benchmark: SPair layout', () => {
  it('reads 5 pairs per garment whose keypoints are related by the pair’s exact scale + translation', async () => {
    const ds = await spair(`${BENCH}spair`, { pairsPerCategory: Infinity });
    expect(ds.samples.length).toBe(50);
    expect(ds.describe().counts.categories).toBe(10);
    for (const p of ds.samples) {
      const j = JSON.parse(readFileSync(`${BENCH}spair/PairAnnotation/test/${p.id}.json`, 'utf8')) as {
        transform: { scale: number; translate: [number, number] };
      };
      const { scale, translate } = j.transform;
      expect(p.kpsIds.length).toBe(8);
      const [src, trg] = [p.source.keypoints, p.target.keypoints];
      for (let k = 0; k < 8; k++) {
        for (let d = 0; d < 2; d++) {
          const s = src.data[2 * k + d];
          const t = trg.data[2 * k + d];
          // coordinates are stored to 3 decimals, the transform to 4–6: 5e-3 px covers the rounding
          expect(Math.abs(scale * s + translate[d] - t)).toBeLessThanOrEqual(5e-3);
          expect(s).toBeGreaterThanOrEqual(0);
          expect(s).toBeLessThanOrEqual(SIZE - 1);
        }
        // every keypoint lies inside the object box of its image
        expect(trg.data[2 * k]).toBeGreaterThanOrEqual(p.target.bbox[0] - 0.5);
        expect(trg.data[2 * k]).toBeLessThanOrEqual(p.target.bbox[2] + 0.5);
      }
      expect(Array.from(p.source.visible)).toEqual(new Array(8).fill(1));
    }
    expect((await ds.samples[0].target.loadImage()).shape).toEqual([SIZE, SIZE, 3]);
  });
});

describe('zoo benchmark: DAVIS layout', () => {
  it('reads 6 videos of 8 frames whose palette masks hold the generator’s object areas', async () => {
    const ds = await davis(`${BENCH}davis`);
    expect(ds.samples.length).toBe(6);
    expect(ds.describe().counts).toMatchObject({ videos: 6, frames: 48, annotatedFrames: 48 });
    for (const v of ds.samples) {
      const want = manifest.davis[v.id];
      expect(v.frames.length).toBe(8);
      expect(await v.objectIds()).toEqual(want[0].map((_, k) => k + 1));
      for (const f of v.frames) {
        const m = await f.loadMask();
        expect(m.shape).toEqual([SIZE, SIZE]);
        const got = want[f.index].map(() => 0);
        for (let p = 0; p < SIZE * SIZE; p++) if (m.data[p]) got[m.data[p] - 1]++;
        expect(got).toEqual(want[f.index]);
      }
    }
  });
});

describe('zoo benchmark: PartImageNet layout', () => {
  it('reads 6 images per garment with an upper and a lower part, the upper one above the lower one', async () => {
    const ds = await partImageNet(`${BENCH}partimagenet`, { split: 'val' });
    expect(ds.samples.length).toBe(60);
    expect(ds.describe().counts.superclasses).toBe(10);
    expect(ds.describe().skipped).toEqual([]);
    for (const s of ds.samples) {
      const parts = s.partLabelMap();
      expect(parts.shape).toEqual([SIZE, SIZE]);
      const upper = ds.categories.find((c) => c.name === `${s.superclass} upper`)!.id;
      let lastUpperRow = -1;
      let firstLowerRow = SIZE;
      const area = new Map<number, number>();
      for (let y = 0; y < SIZE; y++) {
        for (let x = 0; x < SIZE; x++) {
          const v = parts.data[y * SIZE + x];
          if (v < 0) continue;
          area.set(v, (area.get(v) ?? 0) + 1);
          if (v === upper) lastUpperRow = Math.max(lastUpperRow, y);
          else firstLowerRow = Math.min(firstLowerRow, y);
        }
      }
      expect(lastUpperRow).toBeLessThan(firstLowerRow);
      for (const a of s.annotations) expect(area.get(a.categoryId)).toBe(a.area);
    }
  });
});
