import { join, resolve } from 'node:path';
import { encodeCompressedCounts } from '../encodeCompressedCounts.js';
import { discMask, maskToCounts, put, writeJpeg } from './files.js';

/** Options of {@link writeSyntheticCoco}. */
export interface WriteSyntheticCocoOptions {
  /** Split name: `annotations/instances_<split>.json` and `<split>/`. @default 'val2017' */
  split?: string;
}

/** What {@link writeSyntheticCoco} wrote. */
export interface SyntheticCoco {
  /** The dataset root (`dir`, absolute). */
  root: string;
  /** The annotation file. */
  annotationFile: string;
  /** Ids of the images a default `coco()` selects, in order. */
  selectedIds: number[];
}

const H = 20;
const W = 24;
const name = (id: number): string => `${String(id).padStart(12, '0')}.jpg`;

/**
 * Writes a tiny COCO in the distributed layout: `annotations/instances_<split>.json` and
 * `<split>/<012d id>.jpg` (20×24 JPEGs). It exercises every path of the reader:
 *
 * - image 42: a rectangle polygon (person, ann 101) and a compressed-RLE disc (car, ann 102);
 * - image 7: a two-polygon dog (ann 103) and an uncompressed-RLE crowd person (ann 104);
 * - image 5: an uncompressed-RLE car that is not crowd (ann 107) and a slanted triangle (dog, ann 108);
 * - image 13: only a crowd annotation (not selected); image 99: no annotations (not selected);
 * - image 21: annotated but its JPEG is not written (skipped as missing);
 * - annotation 109 points at image 1000, absent from `images` (skipped).
 *
 * Categories have COCO's gapped ids: person 1, car 3, dog 18. The default selection is `[5, 7, 42]`.
 *
 * @param dir Folder to write into (created).
 * @param options See {@link WriteSyntheticCocoOptions}.
 * @returns The root, the annotation file and the ids selected by default.
 * @example
 * const { root } = await writeSyntheticCoco('/tmp/coco');
 * const ds = await coco(root); // 3 samples
 */
export async function writeSyntheticCoco(dir: string, options: WriteSyntheticCocoOptions = {}): Promise<SyntheticCoco> {
  const split = options.split ?? 'val2017';
  const root = resolve(dir);
  const rle = (m: Uint8Array) => maskToCounts(m, H, W);
  const block = new Uint8Array(H * W);
  for (let y = 4; y < 9; y++) for (let x = 6; x < 20; x++) block[y * W + x] = 1;
  const images = [42, 7, 13, 99, 21, 5].map((id) => ({ id, file_name: name(id), width: W, height: H, license: 1 }));
  const annotations = [
    { id: 101, image_id: 42, category_id: 1, iscrowd: 0, segmentation: [[2, 3, 10, 3, 10, 12, 2, 12]], bbox: [2, 3, 8, 9], area: 72 },
    { id: 102, image_id: 42, category_id: 3, iscrowd: 0, segmentation: { size: [H, W], counts: encodeCompressedCounts(rle(discMask(H, W, 16, 10, 4))) }, bbox: [12, 6, 8, 8], area: 49 },
    { id: 103, image_id: 7, category_id: 18, iscrowd: 0, segmentation: [[1, 1, 6, 1, 6, 5, 1, 5], [12, 8, 18, 8, 18, 15, 12, 15]], bbox: [1, 1, 17, 14], area: 62 },
    { id: 104, image_id: 7, category_id: 1, iscrowd: 1, segmentation: { size: [H, W], counts: rle(discMask(H, W, 5, 14, 3)) }, bbox: [2, 11, 6, 6], area: 29 },
    { id: 105, image_id: 13, category_id: 1, iscrowd: 1, segmentation: { size: [H, W], counts: rle(discMask(H, W, 10, 10, 5)) }, bbox: [5, 5, 10, 10], area: 81 },
    { id: 106, image_id: 21, category_id: 3, iscrowd: 0, segmentation: [[0, 0, 5, 0, 5, 5]], bbox: [0, 0, 5, 5], area: 12.5 },
    { id: 107, image_id: 5, category_id: 3, iscrowd: 0, segmentation: { size: [H, W], counts: rle(block) }, bbox: [6, 4, 14, 5], area: 70 },
    { id: 108, image_id: 5, category_id: 18, iscrowd: 0, segmentation: [[3, 3, 15, 4, 8, 16]], bbox: [3, 3, 12, 13], area: 75.5 },
    { id: 109, image_id: 1000, category_id: 1, iscrowd: 0, segmentation: [[0, 0, 4, 0, 4, 4, 0, 4]], bbox: [0, 0, 4, 4], area: 16 },
  ];
  const categories = [
    { id: 1, name: 'person', supercategory: 'person' },
    { id: 3, name: 'car', supercategory: 'vehicle' },
    { id: 18, name: 'dog', supercategory: 'animal' },
  ];
  const json = { info: { description: 'synthetic COCO for @vit/datasets tests' }, licenses: [], images, annotations, categories };
  const annotationFile = join(root, 'annotations', `instances_${split}.json`);
  await put(annotationFile, JSON.stringify(json));
  for (const img of images) if (img.id !== 21) await writeJpeg(join(root, split, img.file_name), H, W, img.id);
  return { root, annotationFile, selectedIds: [5, 7, 42] };
}
