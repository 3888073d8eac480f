import { join, resolve } from 'node:path';
import { encodeCompressedCounts } from '../encodeCompressedCounts.js';
import { VitValueError } from '@vit/io';
import { maskToCounts, put, writeJpeg } from './files.js';

/** Options of {@link writeSyntheticPartImageNet}. */
export interface WriteSyntheticPartImageNetOptions {
  /** Split: `<split>.json` and `<split>/<wnid>/`. @default 'train' */
  split?: string;
  /**
   * Images to write per super-category and wnid.
   * @default { Quadruped: { n02085620: 4, n02100583: 1 }, Bird: { n01530575: 2 }, Fish: { n01440764: 3 } }
   */
  images?: Record<string, Record<string, number>>;
}

/** What {@link writeSyntheticPartImageNet} wrote. */
export interface SyntheticPartImageNet {
  root: string;
  annotationFile: string;
}

// PartImageNet's 11 super-categories and their 40 parts (category ids 0–39 in this order)
const PARTS: [string, string[]][] = [
  ['Quadruped', ['Head', 'Body', 'Foot', 'Tail']],
  ['Biped', ['Head', 'Body', 'Hand', 'Foot', 'Tail']],
  ['Fish', ['Head', 'Body', 'Fin', 'Tail']],
  ['Bird', ['Head', 'Body', 'Wing', 'Foot', 'Tail']],
  ['Snake', ['Head', 'Body']],
  ['Reptile', ['Head', 'Body', 'Foot', 'Tail']],
  ['Car', ['Body', 'Tier', 'Side Mirror']],
  ['Bicycle', ['Body', 'Head', 'Seat', 'Tier']],
  ['Boat', ['Body', 'Sail']],
  ['Aeroplane', ['Head', 'Body', 'Wing', 'Engine', 'Tail']],
  ['Bottle', ['Body', 'Mouth']],
];
const H = 16;
const W = 20;

/**
 * Writes a tiny PartImageNet: `<split>.json` (COCO format with the 40 part categories of the 11
 * super-categories, ids 0–39) and JPEGs `<split>/<wnid>/<wnid>_<k>.JPEG`. Every image has two
 * parts of its super-category: the first part as a polygon (rows 2–7), the second as a
 * compressed RLE (rows 8–13). One extra image has no annotations and one is listed but not
 * written, so the reader's skip reports can be checked.
 *
 * @param dir Folder to write into (created).
 * @param options See {@link WriteSyntheticPartImageNetOptions}.
 * @returns The root and the annotation file.
 * @example
 * const { root } = await writeSyntheticPartImageNet('/tmp/pin');
 * const ds = await partImageNet(root, { perSuperclass: 3 });
 */
export async function writeSyntheticPartImageNet(dir: string, options: WriteSyntheticPartImageNetOptions = {}): Promise<SyntheticPartImageNet> {
  const split = options.split ?? 'train';
  const spec = options.images ?? { Quadruped: { n02085620: 4, n02100583: 1 }, Bird: { n01530575: 2 }, Fish: { n01440764: 3 } };
  const root = resolve(dir);
  const categories: { id: number; name: string; supercategory: string }[] = [];
  const firstPart = new Map<string, number>();
  for (const [sup, parts] of PARTS) {
    firstPart.set(sup, categories.length);
    for (const p of parts) categories.push({ id: categories.length, name: `${sup} ${p}`, supercategory: sup });
  }
  const lower = new Uint8Array(H * W);
  for (let y = 8; y < 14; y++) for (let x = 3; x < 17; x++) lower[y * W + x] = 1;
  const lowerRle = { size: [H, W], counts: encodeCompressedCounts(maskToCounts(lower, H, W)) };
  const images: { id: number; file_name: string; width: number; height: number }[] = [];
  const annotations: Record<string, unknown>[] = [];
  let imageId = 1;
  let annId = 1;
  let seed = 1;
  for (const [sup, byWnid] of Object.entries(spec)) {
    const c0 = firstPart.get(sup);
    if (c0 === undefined) throw new VitValueError(`\`images\` of writeSyntheticPartImageNet must use PartImageNet super-categories (Quadruped, Biped, …). Got ${sup}.`);
    for (const [wnid, n] of Object.entries(byWnid)) {
      for (let k = 1; k <= n; k++) {
        const file = `${wnid}_${k}.JPEG`;
        images.push({ id: imageId, file_name: file, width: W, height: H });
        await writeJpeg(join(root, split, wnid, file), H, W, seed++);
        annotations.push({ id: annId++, image_id: imageId, category_id: c0, iscrowd: 0, segmentation: [[4, 2, 16, 2, 16, 8, 4, 8]], bbox: [4, 2, 12, 6], area: 72 });
        annotations.push({ id: annId++, image_id: imageId, category_id: c0 + 1, iscrowd: 0, segmentation: lowerRle, bbox: [3, 8, 14, 6], area: 84 });
        imageId++;
      }
    }
  }
  // an image with no parts, and an annotated image whose file is missing
  const [firstWnid] = Object.keys(Object.values(spec)[0] ?? { n00000000: 0 });
  images.push({ id: imageId++, file_name: `${firstWnid}_unannotated.JPEG`, width: W, height: H });
  await writeJpeg(join(root, split, firstWnid, `${firstWnid}_unannotated.JPEG`), H, W, seed++);
  images.push({ id: imageId, file_name: `${firstWnid}_missing.JPEG`, width: W, height: H });
  annotations.push({ id: annId++, image_id: imageId, category_id: 0, iscrowd: 0, segmentation: [[1, 1, 5, 1, 5, 5, 1, 5]], bbox: [1, 1, 4, 4], area: 16 });
  const annotationFile = join(root, `${split}.json`);
  await put(annotationFile, JSON.stringify({ images, annotations, categories }));
  return { root, annotationFile };
}
