import { tensor } from '@vit/io';
import type { Tensor } from '@vit/io';
import { segmentationToMask } from '../segmentationToMask.js';
import type { CocoAnnotation } from './cocoIndex.js';

/** The instance masks of one image. */
export interface InstanceMasks {
  /** `[N,H,W]` uint8 0/1, one mask per annotation in `annotationIds` order. */
  masks: Tensor<Uint8Array>;
  /** Annotation ids, length N. */
  annotationIds: number[];
  /** Category id of each mask, length N. */
  categoryIds: number[];
  /** Whether each mask is a crowd region, length N. */
  iscrowd: boolean[];
}

/** Options of a sample's `instanceMasks()`. */
export interface InstanceMasksOptions {
  /** Include crowd (`iscrowd: 1`) regions as masks. @default false */
  crowd?: boolean;
}

export function buildInstanceMasks(anns: readonly CocoAnnotation[], h: number, w: number, file: string, o: InstanceMasksOptions): InstanceMasks {
  const chosen = anns.filter((a) => o.crowd || !a.iscrowd);
  const out = new Uint8Array(chosen.length * h * w);
  chosen.forEach((a, i) => out.set(segmentationToMask(a.segmentation, [h, w], { file: `${file} (annotation ${a.id})` }).data, i * h * w));
  return {
    masks: tensor(out, [chosen.length, h, w]),
    annotationIds: chosen.map((a) => a.id),
    categoryIds: chosen.map((a) => a.categoryId),
    iscrowd: chosen.map((a) => a.iscrowd),
  };
}

/** Union of the masks of `anns` as `[H,W]` 0/1. */
export function unionMask(anns: readonly CocoAnnotation[], h: number, w: number, file: string): Tensor<Uint8Array> {
  const out = new Uint8Array(h * w);
  for (const a of anns) {
    const m = segmentationToMask(a.segmentation, [h, w], { file: `${file} (annotation ${a.id})` }).data;
    for (let k = 0; k < m.length; k++) out[k] |= m[k];
  }
  return tensor(out, [h, w]);
}
