import { VitIoError, type VitErrorCode } from '@vit/io';

/** Stable codes of {@link VitDatasetError}. */
export type DatasetErrorCode = Extract<
  VitErrorCode,
  'VIT_DATASET_LAYOUT' | 'VIT_DATASET_JSON' | 'VIT_DATASET_FORMAT' | 'VIT_RLE_OVERFLOW' | 'VIT_PICKLE_FORBIDDEN' | 'VIT_PICKLE_FORMAT'
>;

/**
 * A dataset file or folder is missing or malformed. The message is one line naming the
 * file (or folder), what was expected and what came; `file` holds the path.
 *
 * @example
 * throw new VitDatasetError('annotations not found; expected layout: …', { code: 'VIT_DATASET_LAYOUT', file })
 * try { await coco('/data/coco') } catch (e) { if (e instanceof VitDatasetError) console.error(e.code, e.file) }
 */
export class VitDatasetError extends VitIoError {
  declare readonly code: DatasetErrorCode;
  constructor(message: string, options: { code: DatasetErrorCode; file?: string; cause?: unknown }) {
    super(message, options);
  }
}
