import { VitIoError } from '@vit/io';

/** Stable codes of {@link VitDatasetError}. */
export type DatasetErrorCode =
  | 'VIT_DATASET_LAYOUT'
  | 'VIT_DATASET_JSON'
  | 'VIT_DATASET_FORMAT'
  | 'VIT_RLE_OVERFLOW'
  | 'VIT_PICKLE_FORBIDDEN'
  | 'VIT_PICKLE_FORMAT';

/**
 * A dataset file or folder is missing or malformed. The message is one line naming the
 * file (or folder), what was expected and what came; `file` holds the path.
 *
 * @example
 * try { await coco('/data/coco') } catch (e) { if (e instanceof VitDatasetError) console.error(e.code, e.file) }
 */
export class VitDatasetError extends VitIoError {
  declare readonly code: DatasetErrorCode;
  constructor(code: DatasetErrorCode, message: string, options: { file?: string; cause?: unknown } = {}) {
    super(message, { ...options, code });
  }
}
