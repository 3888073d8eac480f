import { tensor } from '@vit/io';
import type { Tensor } from '@vit/io';
import { decodeCompressedCounts } from './decodeCompressedCounts.js';
import { VitDatasetError } from './errors.js';
import { paintColumnMajorRun } from './internal/paintRun.js';

// the same ceiling @vit/io puts on decoded images: larger sizes are corrupt files, not photos
const MAX_PIXELS = 2 ** 28;

/** A COCO run-length-encoded mask: `size` is `[height, width]`; `counts` compressed or not. */
export interface CocoRLE {
  /** `[height, width]`. */
  size: [number, number] | number[];
  /** Run lengths (uncompressed, as in crowd annotations) or the compressed string. */
  counts: number[] | string;
}

/** Options of {@link decodeRLE}. */
export interface DecodeRLEOptions {
  /** Annotation file the RLE came from, named in errors. @default undefined */
  file?: string;
}

/**
 * Decodes a COCO RLE mask. Runs alternate 0s and 1s, starting with 0s, and walk the image in
 * column-major order (down each column, columns left to right) as COCO defines; the result is
 * the usual row-major `[H,W]` mask.
 *
 * @param rle `{ size: [H, W], counts }` with `counts` a number list or the compressed string.
 * @param options See {@link DecodeRLEOptions}.
 * @returns A `[H,W]` uint8 tensor of 0/1.
 * @throws {VitDatasetError} `VIT_RLE_OVERFLOW` when the runs do not add up to exactly H·W
 *   (naming the file), `VIT_DATASET_FORMAT` on a malformed size or count.
 * @example
 * decodeRLE({ size: [2, 3], counts: [1, 2, 3] }).data // → [0,1,0, 1,0,0]: pixel (0,0) off, (1,0) and (0,1) on
 */
export function decodeRLE(rle: CocoRLE, options: DecodeRLEOptions = {}): Tensor<Uint8Array> {
  const { file } = options;
  if (!rle || typeof rle !== 'object' || !Array.isArray(rle.size) || rle.size.length !== 2) {
    throw new VitDatasetError(`\`rle\` of decodeRLE must be { size: [H, W], counts }. Got ${brief(rle)}.`, { code: 'VIT_DATASET_FORMAT', file });
  }
  const [h, w] = rle.size;
  if (!Number.isSafeInteger(h) || !Number.isSafeInteger(w) || h < 0 || w < 0) {
    throw new VitDatasetError(`\`rle.size\` of decodeRLE must be two non-negative integers. Got [${h},${w}].`, { code: 'VIT_DATASET_FORMAT', file });
  }
  const counts = typeof rle.counts === 'string' ? decodeCompressedCounts(rle.counts, { file }) : rle.counts;
  if (!Array.isArray(counts)) {
    throw new VitDatasetError(`\`rle.counts\` of decodeRLE must be a number list or a string. Got ${brief(rle.counts)}.`, { code: 'VIT_DATASET_FORMAT', file });
  }
  const n = h * w;
  if (n > MAX_PIXELS) {
    throw new VitDatasetError(`\`rle.size\` of decodeRLE is [${h},${w}], more than 2^28 pixels; refusing to allocate the mask.`, { code: 'VIT_DATASET_FORMAT', file });
  }
  let total = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (!Number.isSafeInteger(c) || c < 0) {
      throw new VitDatasetError(`\`rle.counts\` of decodeRLE must be non-negative integers. Got ${c} at ${i}.`, { code: 'VIT_DATASET_FORMAT', file });
    }
    total += c;
  }
  if (total !== n) {
    throw new VitDatasetError(
      `RLE counts of decodeRLE sum to ${total} but size [${h},${w}] holds H·W = ${n} pixels (${total > n ? 'overflow' : 'underflow'}).`,
      { code: 'VIT_RLE_OVERFLOW', file },
    );
  }
  const out = new Uint8Array(n);
  // k walks column-major positions; odd runs are ones
  let k = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (i & 1 && c > 0) paintColumnMajorRun(out, h, w, k, k + c);
    k += c;
  }
  return tensor(out, [h, w]);
}

function brief(x: unknown): string {
  const s = JSON.stringify(x) ?? String(x);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

