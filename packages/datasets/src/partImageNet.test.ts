import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partImageNet } from './partImageNet.js';
import { writeSyntheticPartImageNet } from './synthetic/writeSyntheticPartImageNet.js';
import { countingReader, tempDir } from './internal/testing.js';

const H = 16;
const W = 20;
let dir: string;
let cleanup: () => Promise<void>;
let root: string;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  ({ root } = await writeSyntheticPartImageNet(join(dir, 'pin')));
});
afterAll(() => cleanup());

describe('partImageNet', () => {
  it('balances over super-categories and evenly over their classes', async () => {
    const ds = await partImageNet(root, { perSuperclass: 3 });
    expect(ds.samples.map((s) => [s.superclass, s.wnid, s.fileName])).toEqual([
      ['Bird', 'n01530575', 'n01530575_1.JPEG'],
      ['Bird', 'n01530575', 'n01530575_2.JPEG'],
      ['Fish', 'n01440764', 'n01440764_1.JPEG'],
      ['Fish', 'n01440764', 'n01440764_2.JPEG'],
      ['Fish', 'n01440764', 'n01440764_3.JPEG'],
      // round-robin: n02085620, n02100583, then n02085620 again (n02100583 has only one)
      ['Quadruped', 'n02085620', 'n02085620_1.JPEG'],
      ['Quadruped', 'n02085620', 'n02085620_2.JPEG'],
      ['Quadruped', 'n02100583', 'n02100583_1.JPEG'],
    ]);
    // labels index the 11 sorted super-categories: Aeroplane, Bicycle, Biped, Bird, Boat, Bottle, Car, Fish, Quadruped, …
    expect(ds.samples.map((s) => s.superclassLabel)).toEqual([3, 3, 7, 7, 7, 8, 8, 8]);
    const d = ds.describe();
    expect(d.counts).toMatchObject({ images: 12, partCategories: 40, superclasses: 11, 'superclass:Bird': 2, 'superclass:Fish': 3, 'superclass:Quadruped': 3, 'superclass:Snake': 0 });
    expect(d.skipped.map((s) => [s.reason, s.count])).toEqual([
      ['no-annotations', 1],
      ['missing-image-file', 1],
    ]);
  });

  it('takes all images when a super-category has fewer, and is deterministic', async () => {
    const a = await partImageNet(root);
    const b = await partImageNet(root);
    expect(a.size).toBe(10);
    expect(a.samples.map((s) => s.id)).toEqual(b.samples.map((s) => s.id));
  });

  it('spreads a quota evenly over sub-classes (counts differ by at most one until a class runs out)', async () => {
    const { root: r2 } = await writeSyntheticPartImageNet(join(dir, 'pin2'), { images: { Quadruped: { n02000001: 5, n02000002: 5, n02000003: 1 } } });
    const ds = await partImageNet(r2, { perSuperclass: 7 });
    const per = (w: string) => ds.samples.filter((s) => s.wnid === w).length;
    expect([per('n02000001'), per('n02000002'), per('n02000003')]).toEqual([3, 3, 1]);
  });

  it('decodes part masks (polygon and RLE) and the part label map', async () => {
    const ds = await partImageNet(root, { perSuperclass: 3 });
    const bird = ds.samples[0];
    const { masks, categoryIds } = bird.instanceMasks();
    expect(masks.shape).toEqual([2, H, W]);
    // Bird parts are ids 13 (Head) and 14 (Body)
    expect(categoryIds).toEqual([13, 14]);
    expect(ds.categories[13].name).toBe('Bird Head');
    const lm = bird.partLabelMap();
    expect(lm.shape).toEqual([H, W]);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const want = y >= 2 && y < 8 && x >= 4 && x < 16 ? 13 : y >= 8 && y < 14 && x >= 3 && x < 17 ? 14 : -1;
        expect(lm.data[y * W + x]).toBe(want);
      }
    }
  });

  it('decodes no image until asked', async () => {
    const { reader, reads } = countingReader();
    const ds = await partImageNet(root, { imageReader: reader });
    for await (const s of ds) s.partLabelMap();
    expect(reads).toEqual([]);
    expect((await ds.samples[0].loadImage()).shape).toEqual([H, W, 3]);
    expect(reads).toEqual([join(root, 'train', 'n01530575', 'n01530575_1.JPEG')]);
  });

  it('names a malformed annotation file', async () => {
    const { root: r3, annotationFile } = await writeSyntheticPartImageNet(join(dir, 'pin3'), { images: { Fish: { n01440764: 1 } } });
    await writeFile(annotationFile, '{"images": [], "annotations": [], "categories": [');
    await expect(partImageNet(r3)).rejects.toMatchObject({ code: 'VIT_DATASET_JSON', file: annotationFile });
    await writeFile(annotationFile, JSON.stringify({ images: [{ id: 1 }], annotations: [], categories: [] }));
    await expect(partImageNet(r3)).rejects.toThrow(/train\.json: images\[0\] must have integer id, width, height and a file_name/);
  });

  it('names missing folders and files', async () => {
    await expect(partImageNet(join(dir, 'x'))).rejects.toThrow(/x: PartImageNet root folder not found; expected layout: <root>\/\{train,val,test\}\.json/);
    await expect(partImageNet(root, { split: 'val' })).rejects.toThrow(/pin\/val: PartImageNet image folder 'val' folder not found/);
    await expect(partImageNet(root, { perSuperclass: 1.5 })).rejects.toThrow('`perSuperclass` of partImageNet must be a positive integer. Got 1.5.');
  });
});
