import type { Tensor } from '@vit/io';
import { decodeRLE } from './decodeRLE.js';
import type { CocoRLE } from './decodeRLE.js';
import { polygonsToMask } from './polygonsToMask.js';
import { VitDatasetError } from './errors.js';

/** A COCO `segmentation`: polygons, or an RLE (compressed string or uncompressed counts). */
export type CocoSegmentation = number[][] | CocoRLE;

/** Options of {@link segmentationToMask}. */
export interface SegmentationToMaskOptions {
  /** Annotation file, named in errors. @default undefined */
  file?: string;
}

/**
 * Decodes any COCO `segmentation` to a `[H,W]` 0/1 mask: polygons with {@link polygonsToMask},
 * RLE with {@link decodeRLE} (whose own `size` must equal `[H, W]`).
 *
 * @param segmentation Polygons `[[x1,y1,…],…]` or `{ size, counts }`.
 * @param size `[H, W]` of the image.
 * @param options See {@link SegmentationToMaskOptions}.
 * @returns A `[H,W]` uint8 tensor of 0/1.
 * @throws {VitDatasetError} `VIT_DATASET_FORMAT` on a malformed segmentation or an RLE whose size
 *   differs from the image's, `VIT_RLE_OVERFLOW` when RLE runs exceed the image.
 * @example
 * const m = segmentationToMask(ann.segmentation, [img.height, img.width], { file: 'instances_val2017.json' });
 */
export function segmentationToMask(segmentation: CocoSegmentation, size: readonly [number, number] | readonly number[], options: SegmentationToMaskOptions = {}): Tensor<Uint8Array> {
  const { file } = options;
  if (Array.isArray(segmentation)) return polygonsToMask(segmentation, size, { file });
  if (segmentation && typeof segmentation === 'object' && 'counts' in segmentation) {
    const [h, w] = segmentation.size ?? [];
    if (h !== size[0] || w !== size[1]) {
      throw new VitDatasetError(`RLE size [${h},${w}] of segmentationToMask differs from the image size [${size[0]},${size[1]}].`, { code: 'VIT_DATASET_FORMAT', file });
    }
    return decodeRLE(segmentation, { file });
  }
  throw new VitDatasetError(`\`segmentation\` of segmentationToMask must be polygons or { size, counts }. Got ${JSON.stringify(segmentation)?.slice(0, 60)}.`, { code: 'VIT_DATASET_FORMAT', file });
}
