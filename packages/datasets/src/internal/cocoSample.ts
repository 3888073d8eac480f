import { buildInstanceMasks, unionMask } from './instanceMasks.js';
import { segmentationToMask } from '../segmentationToMask.js';
import type { CocoAnnotation } from './cocoIndex.js';
import type { CocoSample } from '../coco.js';
import type { ImageReader } from '../types.js';

/** A lazily-loaded COCO-format sample (shared with partImageNet). */
export function cocoSample(
  path: string,
  img: { id: number; fileName: string; width: number; height: number },
  anns: readonly CocoAnnotation[],
  file: string,
  read: ImageReader,
): CocoSample {
  const { height: h, width: w } = img;
  return {
    id: img.id,
    path,
    fileName: img.fileName,
    width: w,
    height: h,
    annotations: Object.freeze(anns.slice()),
    loadImage: () => read(path),
    mask: (a) => segmentationToMask(a.segmentation, [h, w], { file: `${file} (annotation ${a.id})` }),
    instanceMasks: (o = {}) => buildInstanceMasks(anns, h, w, file, o),
    crowdMask: () => unionMask(anns.filter((a) => a.iscrowd), h, w, file),
  };
}
