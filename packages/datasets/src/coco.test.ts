import { readFile, writeFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy } from '@vit/io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coco } from './coco.js';
import { writeSyntheticCoco } from './synthetic/writeSyntheticCoco.js';
import { discMask, writeJpeg } from './synthetic/files.js';
import { countingReader, tempDir } from './internal/testing.js';
import { VitDatasetError } from './errors.js';

const H = 20;
const W = 24;
let dir: string;
let cleanup: () => Promise<void>;
let root: string;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  ({ root } = await writeSyntheticCoco(join(dir, 'coco')));
});
afterAll(() => cleanup());

/** The axis-aligned box pycocotools fills for integer corners: columns [x0, x1), rows [y0, y1). */
function box(x0: number, y0: number, x1: number, y1: number): number[] {
  const m = new Array<number>(H * W).fill(0);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * W + x] = 1;
  return m;
}

describe('coco', () => {
  it('selects images by id that have a non-crowd annotation and exist on disk', async () => {
    const ds = await coco(root);
    expect(ds.samples.map((s) => s.id)).toEqual([5, 7, 42]);
    const d = ds.describe();
    expect(d).toMatchObject({
      dataset: 'coco',
      split: 'val2017',
      samples: 3,
      counts: { images: 6, annotations: 8, crowdAnnotations: 2, categories: 3, imagesWithInstances: 4 },
    });
    expect(d.skipped).toEqual([
      { reason: 'missing-image-record', message: expect.any(String), count: 1, examples: ['annotation 109 → image 1000'] },
      { reason: 'missing-image-file', message: expect.any(String), count: 1, examples: [join(root, 'val2017', '000000000021.jpg')] },
    ]);
  });

  it('limit takes the first images by id', async () => {
    const ds = await coco(root, { limit: 2 });
    expect(ds.samples.map((s) => s.id)).toEqual([5, 7]);
    const again = await coco(root, { limit: 2 });
    expect(again.samples.map((s) => s.fileName)).toEqual(['000000000005.jpg', '000000000007.jpg']);
  });

  it('maps category ids and names (gapped COCO ids)', async () => {
    const ds = await coco(root);
    expect(ds.categories.map((c) => [c.id, c.name])).toEqual([[1, 'person'], [3, 'car'], [18, 'dog']]);
    const s42 = ds.samples.find((s) => s.id === 42)!;
    expect(s42.annotations.map((a) => [a.id, a.categoryId, a.categoryName, a.iscrowd])).toEqual([
      [101, 1, 'person', false],
      [102, 3, 'car', false],
    ]);
  });

  it('decodes polygon, compressed-RLE and uncompressed-RLE masks', async () => {
    const ds = await coco(root);
    const s42 = ds.samples.find((s) => s.id === 42)!;
    const inst = s42.instanceMasks();
    expect(inst.masks.shape).toEqual([2, H, W]);
    expect(inst.categoryIds).toEqual([1, 3]);
    expect(Array.from(inst.masks.data.subarray(0, H * W))).toEqual(box(2, 3, 10, 12));
    expect(Array.from(inst.masks.data.subarray(H * W))).toEqual(Array.from(discMask(H, W, 16, 10, 4)));
    const s5 = ds.samples.find((s) => s.id === 5)!;
    expect(Array.from(s5.mask(s5.annotations[0]).data)).toEqual(box(6, 4, 20, 9));
    const s7 = ds.samples.find((s) => s.id === 7)!;
    const dog = s7.mask(s7.annotations[0]);
    expect(Array.from(dog.data)).toEqual(box(1, 1, 6, 5).map((v, k) => v | box(12, 8, 18, 15)[k]));
  });

  it('keeps crowd regions apart unless asked', async () => {
    const ds = await coco(root);
    const s7 = ds.samples.find((s) => s.id === 7)!;
    expect(s7.instanceMasks().annotationIds).toEqual([103]);
    const all = s7.instanceMasks({ crowd: true });
    expect(all.annotationIds).toEqual([103, 104]);
    expect(all.iscrowd).toEqual([false, true]);
    expect(Array.from(s7.crowdMask().data)).toEqual(Array.from(discMask(H, W, 5, 14, 3)));
    expect(Array.from(ds.samples.find((s) => s.id === 5)!.crowdMask().data).every((v) => v === 0)).toBe(true);
  });

  it('decodes no image until asked', async () => {
    const { reader, reads } = countingReader();
    const ds = await coco(root, { imageReader: reader });
    for await (const s of ds) s.instanceMasks();
    expect(reads).toEqual([]);
    const img = await ds.samples[2].loadImage();
    expect(img.shape).toEqual([H, W, 3]);
    expect(reads).toEqual([join(root, 'val2017', '000000000042.jpg')]);
  });

  it('reports a missing folder with the expected layout', async () => {
    await expect(coco(join(dir, 'none'))).rejects.toThrow(/none: COCO root folder not found; expected layout: <root>\/annotations\/instances_<split>\.json and <root>\/<split>\/\*\.jpg/);
    await expect(coco(root, { split: 'train2017' })).rejects.toThrow(/train2017: COCO image folder 'train2017' folder not found/);
  });

  it('reports malformed JSON and structure naming the file', async () => {
    const bad = join(dir, 'bad');
    await mkdir(join(bad, 'annotations'), { recursive: true });
    await mkdir(join(bad, 'val2017'));
    const file = join(bad, 'annotations', 'instances_val2017.json');
    await expect(coco(bad)).rejects.toThrow(/instances_val2017\.json: COCO annotation file not found or unreadable/);
    await writeFile(file, '{"images": [');
    await expect(coco(bad)).rejects.toMatchObject({ code: 'VIT_DATASET_JSON', file });
    await writeFile(file, JSON.stringify({ images: [], annotations: {} }));
    await expect(coco(bad)).rejects.toThrow(/COCO annotation file must have a "annotations" list; got object/);
    await writeFile(file, JSON.stringify({ images: [{ id: 1, file_name: 'a.jpg', width: 2, height: 2 }], categories: [{ id: 1, name: 'x' }], annotations: [{ id: 9, image_id: 1, category_id: 1, segmentation: { size: [2, 2], counts: [1, 9] } }] }));
    await writeFile(join(bad, 'val2017', 'a.jpg'), '');
    const ds = await coco(bad);
    let err: unknown;
    try {
      ds.samples[0].instanceMasks();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VitDatasetError);
    expect((err as VitDatasetError).code).toBe('VIT_RLE_OVERFLOW');
    expect((err as Error).message).toMatch(/instances_val2017\.json \(annotation 9\): RLE counts of decodeRLE sum to 10 but size \[2,2\] holds H·W = 4 pixels/);
    await rm(bad, { recursive: true });
  });

  it('decodes every reference segmentation through the reader equal to the Python reference', async () => {
    const cases = JSON.parse(await readFile(fileURLToPath(new URL('../fixtures/mask_cases.json', import.meta.url)), 'utf8'));
    const ref = await readNpy(fileURLToPath(new URL('../fixtures/mask_reference.npy', import.meta.url)));
    const r = join(dir, 'ref');
    const { height: h, width: w } = cases;
    await writeJpeg(join(r, 'val2017', 'ref.jpg'), h, w, 1);
    const annotations = cases.cases.map((c: { segmentation: unknown }, i: number) => ({ id: i + 1, image_id: 1, category_id: 1, iscrowd: 0, segmentation: c.segmentation }));
    await mkdir(join(r, 'annotations'));
    await writeFile(join(r, 'annotations', 'instances_val2017.json'), JSON.stringify({ images: [{ id: 1, file_name: 'ref.jpg', width: w, height: h }], categories: [{ id: 1, name: 'thing' }], annotations }));
    const ds = await coco(r);
    const { masks } = ds.samples[0].instanceMasks();
    expect(masks.shape).toEqual(ref.tensor.shape);
    expect(Array.from(masks.data)).toEqual(Array.from(ref.tensor.data as Uint8Array));
  });

  it('checks limit', async () => {
    await expect(coco(root, { limit: -1 })).rejects.toThrow('`limit` of coco must be a positive integer or Infinity. Got -1.');
  });
});
