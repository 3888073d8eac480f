import { readFile, rm, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imagenet } from './imagenet.js';
import { imagenet50 } from './imagenet50.js';
import { IMAGENET50_CLASSES } from './imagenet50Classes.js';
import { writeSyntheticImageNet } from './synthetic/writeSyntheticImageNet.js';
import { patternRGB } from './synthetic/files.js';
import { countingReader, tempDir } from './internal/testing.js';
import { VitDatasetError } from './errors.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  // reverse order on disk so sorting is what puts classes in order
  await writeSyntheticImageNet(join(dir, 'small'), { classes: ['n03000000', 'n01000000', 'n02000000'], imagesPerClass: 11, variants: 12 });
  const fifty = IMAGENET50_CLASSES.map((c) => c.wnid);
  await writeSyntheticImageNet(join(dir, 'fifty'), { classes: [...fifty, 'n09999999'], imagesPerClass: 3, splits: ['train'], size: [8, 8], variants: 7 });
});
afterAll(() => cleanup());

describe('imagenet', () => {
  it('counts classes and images; labels by sorted wnid; files by sorted name', async () => {
    const ds = await imagenet(join(dir, 'small'), { split: 'val' });
    expect(ds.size).toBe(33);
    expect(ds.describe()).toMatchObject({ dataset: 'imagenet', split: 'val', samples: 33, counts: { classes: 3, images: 33 }, skipped: [] });
    expect(ds.samples.map((s) => s.wnid).filter((w, i, a) => a.indexOf(w) === i)).toEqual(['n01000000', 'n02000000', 'n03000000']);
    expect(ds.samples.filter((s) => s.wnid === 'n02000000').every((s) => s.label === 1)).toBe(true);
    // by name: _1, _10, _11, _2, … (string order, as Python's sorted())
    expect(ds.samples.slice(0, 4).map((s) => s.id)).toEqual(['n01000000/n01000000_1.JPEG', 'n01000000/n01000000_10.JPEG', 'n01000000/n01000000_11.JPEG', 'n01000000/n01000000_2.JPEG']);
  });

  it('iterates asynchronously over the same samples, decoding nothing until asked', async () => {
    const { reader, reads } = countingReader();
    const ds = await imagenet(join(dir, 'small'), { split: 'train', imageReader: reader });
    const ids: string[] = [];
    for await (const s of ds) ids.push(s.id);
    expect(ids).toEqual(ds.samples.map((s) => s.id));
    expect(reads).toEqual([]);
    const img = await ds.samples[5].loadImage();
    expect(reads).toEqual([ds.samples[5].path]);
    expect(img.shape).toEqual([24, 32, 3]);
  });

  it('decodes the written JPEG (close to the pattern, JPEG is lossy)', async () => {
    const ds = await imagenet(join(dir, 'small'), { split: 'train' });
    // write order: train/n03000000/_1.._11 are images 0..10, train/n01000000/_1 is image 11 → pattern 12
    const s = ds.samples.find((x) => x.id === 'n01000000/n01000000_1.JPEG')!;
    const img = await s.loadImage();
    const want = patternRGB(24, 32, 12);
    let err = 0;
    for (let k = 0; k < want.length; k++) err += Math.abs(img.data[k] - want[k]);
    expect(err / want.length).toBeLessThan(6);
  });

  it('names the missing root or split and the expected layout', async () => {
    await expect(imagenet(join(dir, 'nope'))).rejects.toThrow(/nope: ImageNet root folder not found; expected layout: <root>\/\{train,val\}\/<wnid>\/\*\.JPEG/);
    await expect(imagenet(join(dir, 'small'), { split: 'test' })).rejects.toThrow(VitDatasetError);
    await expect(imagenet(join(dir, 'small'), { split: 'test' })).rejects.toThrow(/small\/test: ImageNet split 'test' folder not found/);
  });
});

describe('imagenet50', () => {
  it('ships the class list of shared/data/imagenet_50.txt', async () => {
    const text = await readFile(fileURLToPath(new URL('../data/imagenet_50.txt', import.meta.url)), 'utf8');
    const lines = text.trim().split('\n').map((l) => l.trim());
    expect(IMAGENET50_CLASSES.map((c) => `${c.wnid} ${c.name}`)).toEqual(lines);
    expect(new Set(IMAGENET50_CLASSES.map((c) => c.wnid)).size).toBe(50);
  });

  it('takes the first perClass images by sorted name of the 50 classes, labels by sorted wnid', async () => {
    const ds = await imagenet50(join(dir, 'fifty'), { perClass: 2 });
    expect(ds.size).toBe(100);
    expect(ds.describe().counts).toEqual({ classes: 50, images: 100, perClass: 2 });
    const sorted = IMAGENET50_CLASSES.map((c) => c.wnid).sort();
    for (const s of ds.samples) expect(sorted[s.label]).toBe(s.wnid);
    expect(ds.samples.some((s) => s.wnid === 'n09999999')).toBe(false);
    const first = ds.samples.filter((s) => s.label === 0).map((s) => s.id.split('/')[1]);
    expect(first).toEqual([`${sorted[0]}_1.JPEG`, `${sorted[0]}_2.JPEG`]);
    const dipper = ds.samples.find((s) => s.wnid === 'n01601694')!;
    expect(dipper.className).toBe('Dipper');
  });

  it('is deterministic and lazy', async () => {
    const { reader, reads } = countingReader();
    const a = await imagenet50(join(dir, 'fifty'), { perClass: 3, imageReader: reader });
    const b = await imagenet50(join(dir, 'fifty'), { perClass: 3 });
    expect(a.samples.map((s) => s.id)).toEqual(b.samples.map((s) => s.id));
    expect(reads).toHaveLength(0);
    await a.samples[149].loadImage();
    expect(reads).toHaveLength(1);
  });

  it('takes all images of a short class and reports it', async () => {
    const ds = await imagenet50(join(dir, 'fifty'), { perClass: 100 });
    expect(ds.size).toBe(150);
    const [short] = ds.describe().skipped;
    expect(short).toMatchObject({ reason: 'short-class', count: 50 });
  });

  it('names a missing class folder', async () => {
    const copy = join(dir, 'fifty-broken');
    await writeSyntheticImageNet(copy, { classes: IMAGENET50_CLASSES.slice(0, 49).map((c) => c.wnid), imagesPerClass: 1, splits: ['train'], size: [8, 8], variants: 7 });
    const missing = IMAGENET50_CLASSES[49];
    await expect(imagenet50(copy)).rejects.toThrow(new RegExp(`train/${missing.wnid}: ImageNet-50 class ${missing.wnid} \\(${missing.name}\\) folder not found`));
    await rm(copy, { recursive: true });
    await mkdir(copy);
    await expect(imagenet50(copy)).rejects.toThrow(/ImageNet split 'train' folder not found/);
  });

  it('checks perClass', async () => {
    await expect(imagenet50(join(dir, 'fifty'), { perClass: 0 })).rejects.toThrow('`perClass` of imagenet50 must be a positive integer. Got 0.');
  });
});
