import { formatError } from './fsutil.js';
import type { SkipLog } from './dataset.js';
import type { CocoSegmentation } from '../segmentationToMask.js';

/** A category of a COCO-format file. */
export interface CocoCategory {
  /** Category id as in the file (COCO's are 1–90 with gaps). */
  id: number;
  /** Category name, e.g. `"person"`. */
  name: string;
  /** Super-category, e.g. `"animal"` (empty when absent). */
  supercategory: string;
}

/** One annotation of a COCO-format file. */
export interface CocoAnnotation {
  /** Annotation id. */
  id: number;
  /** Image id it belongs to. */
  imageId: number;
  /** Category id. */
  categoryId: number;
  /** Category name. */
  categoryName: string;
  /** `[x, y, width, height]` in pixels (zeros when absent). */
  bbox: [number, number, number, number];
  /** Area in pixels as stored in the file. */
  area: number;
  /** Whether the annotation marks a crowd region (RLE, excluded from instances by default). */
  iscrowd: boolean;
  /** The raw segmentation (polygons or RLE). */
  segmentation: CocoSegmentation;
}

export interface CocoImageRecord {
  id: number;
  fileName: string;
  width: number;
  height: number;
}

export interface CocoIndex {
  images: CocoImageRecord[];
  byImage: Map<number, CocoAnnotation[]>;
  categories: CocoCategory[];
  annotations: number;
  crowd: number;
}

const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x);

/** Validates a parsed COCO-format object and indexes annotations by image (sorted by annotation id). */
export function indexCoco(json: unknown, file: string, skipped: SkipLog): CocoIndex {
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw formatError(file, 'COCO annotation file must hold an object with images, annotations, categories');
  const j = json as Record<string, unknown>;
  for (const key of ['images', 'annotations', 'categories']) {
    if (!Array.isArray(j[key])) throw formatError(file, `COCO annotation file must have a "${key}" list; got ${j[key] === undefined ? 'none' : typeof j[key]}`);
  }
  const categories: CocoCategory[] = [];
  const catById = new Map<number, CocoCategory>();
  (j.categories as unknown[]).forEach((c, i) => {
    const r = c as Record<string, unknown>;
    if (!r || !isInt(r.id) || typeof r.name !== 'string') throw formatError(file, `categories[${i}] must have an integer id and a name`);
    const cat = { id: r.id, name: r.name, supercategory: typeof r.supercategory === 'string' ? r.supercategory : '' };
    categories.push(cat);
    catById.set(cat.id, cat);
  });
  const images: CocoImageRecord[] = [];
  const imageIds = new Set<number>();
  (j.images as unknown[]).forEach((m, i) => {
    const r = m as Record<string, unknown>;
    if (!r || !isInt(r.id) || typeof r.file_name !== 'string' || !isInt(r.width) || !isInt(r.height)) {
      throw formatError(file, `images[${i}] must have integer id, width, height and a file_name`);
    }
    images.push({ id: r.id, fileName: r.file_name, width: r.width, height: r.height });
    imageIds.add(r.id);
  });
  const byImage = new Map<number, CocoAnnotation[]>();
  let annotations = 0;
  let crowd = 0;
  (j.annotations as unknown[]).forEach((a, i) => {
    const r = a as Record<string, unknown>;
    if (!r || !isInt(r.image_id) || !isInt(r.category_id) || r.segmentation === undefined) {
      throw formatError(file, `annotations[${i}] must have integer image_id, category_id and a segmentation`);
    }
    if (!imageIds.has(r.image_id)) {
      skipped.add('missing-image-record', 'annotation points at an image id absent from "images"', `annotation ${String(r.id)} → image ${r.image_id}`);
      return;
    }
    const cat = catById.get(r.category_id);
    if (!cat) {
      skipped.add('unknown-category', 'annotation has a category id absent from "categories"', `annotation ${String(r.id)} → category ${r.category_id}`);
      return;
    }
    const bb = Array.isArray(r.bbox) && r.bbox.length === 4 ? (r.bbox as number[]) : [0, 0, 0, 0];
    const ann: CocoAnnotation = {
      id: isInt(r.id) ? r.id : i,
      imageId: r.image_id,
      categoryId: cat.id,
      categoryName: cat.name,
      bbox: [bb[0], bb[1], bb[2], bb[3]],
      area: typeof r.area === 'number' ? r.area : 0,
      iscrowd: r.iscrowd === 1 || r.iscrowd === true,
      segmentation: r.segmentation as CocoSegmentation,
    };
    annotations++;
    if (ann.iscrowd) crowd++;
    let list = byImage.get(ann.imageId);
    if (!list) byImage.set(ann.imageId, (list = []));
    list.push(ann);
  });
  for (const list of byImage.values()) list.sort((a, b) => a.id - b.id);
  images.sort((a, b) => a.id - b.id);
  return { images, byImage, categories, annotations, crowd };
}
