/**
 * Every `code` the toolkit's errors carry, in one vocabulary (CONTRIBUTING "Errors"). A new code
 * is added here, with its meaning, never invented in place; `errorCodes.test.ts` checks that every
 * code written in a package's sources is listed.
 *
 * Families: `VIT_IO_*` a file's bytes or the file system, `VIT_DATASET_*` a dataset's on-disk
 * layout, `VIT_WEIGHT_*` a checkpoint's tensors, the model codes an ONNX graph; the rest are
 * argument checks. A path the caller named that does not exist is always `VIT_NOT_FOUND`; one
 * that exists but cannot be read is `VIT_IO_READ`.
 */
export const VIT_ERROR_CODES = [
  // Arguments
  'VIT_VALUE', // a bad argument not covered by a more specific code
  'VIT_SHAPE', // a tensor of the wrong rank or shape
  'VIT_SHAPE_CHANGE', // an accumulator update whose shape differs from the first one
  'VIT_LENGTH_MISMATCH', // two inputs that must have the same length do not
  'VIT_SAMPLE_MISMATCH', // two feature sets over different samples
  'VIT_NON_FINITE', // NaN or ±Infinity where finite numbers are needed
  'VIT_EMPTY', // an empty input (no rows, no samples, nothing accumulated)
  'VIT_EMPTY_MASK', // a mask with no foreground pixel
  'VIT_K_TOO_LARGE', // k larger than the number of rows
  'VIT_CKA_UNDEFINED', // CKA of a constant representation
  'VIT_NO_CLS', // a CLS-based analysis on a model without a CLS token
  'VIT_CONFIG', // a ViT config that is incomplete or inconsistent
  'VIT_CLOSED', // a session used after close()
  'VIT_DEVICE_UNAVAILABLE', // an execution provider that is not installed
  'VIT_BACKEND_UNAVAILABLE', // a numeric backend that cannot be loaded
  'VIT_STUDY_CONFIG', // a `vit study` config (study.json / study.yaml) that is malformed or inconsistent
  // Files
  'VIT_NOT_FOUND', // a path the caller named does not exist
  'VIT_IO', // a file problem not covered by a more specific code
  'VIT_IO_READ', // a file exists but cannot be read
  'VIT_IO_WRITE', // a file or folder cannot be written
  'VIT_IO_TRUNCATED', // a file ends before its header says
  'VIT_IO_MAGIC', // a file does not start with its format's magic bytes
  'VIT_IO_HEADER', // a malformed header
  'VIT_IO_SIZE', // a size field that disagrees with the data
  'VIT_IO_DTYPE', // an unsupported or unknown dtype
  'VIT_IO_OFFSETS', // overlapping or out-of-range offsets
  'VIT_IO_ZIP', // a malformed zip container
  'VIT_IO_IMAGE', // an image that cannot be decoded
  'VIT_IO_FORMAT', // a file whose content is not in the expected format
  'VIT_IO_PICKLE', // a malformed pickle
  'VIT_IO_PICKLE_FORBIDDEN', // a pickle that would run code (only data is read)
  'VIT_IO_TORCH', // a malformed PyTorch checkpoint (torch.save zip)
  'VIT_NO_IMAGES', // a folder or list without a decodable image
  'VIT_SKIPPED_IMAGES', // some images could not be decoded and were skipped
  // Datasets
  'VIT_DATASET_LAYOUT', // a file or folder the dataset's layout requires is missing
  'VIT_DATASET_JSON', // an annotation file that is not valid JSON
  'VIT_DATASET_FORMAT', // annotations with the wrong structure or values
  'VIT_RLE_OVERFLOW', // RLE counts that do not cover the mask exactly
  'VIT_PICKLE_FORMAT', // a malformed pickle (datasets' reader; VIT_IO_PICKLE in @vit/io)
  'VIT_PICKLE_FORBIDDEN', // a pickle that would run code (datasets' reader; VIT_IO_PICKLE_FORBIDDEN in @vit/io)
  // Models
  'VIT_NOT_ONNX', // bytes that are not an ONNX model
  'VIT_FUSED_ATTENTION', // attention fused into one op: its probabilities cannot be tapped
  'VIT_NO_ATTENTION', // no self-attention found (not a ViT)
  'VIT_SOFTMAX_NOT_OVER_KEYS', // an attention softmax over another axis than the keys
  'VIT_UNSUPPORTED_GRAPH', // a graph structure the instrumentation cannot read
  'VIT_MODEL_TOO_LARGE', // a model above protobuf's 2 GB
  'VIT_EXTERNAL_DATA', // ONNX external data that is missing or does not match its model
  // Checkpoints
  'VIT_WEIGHT_MISSING', // a tensor the model needs is absent
  'VIT_WEIGHT_UNKNOWN', // a tensor the model does not use (strict loading)
  'VIT_WEIGHT_SHAPE', // a tensor of the wrong shape
  'VIT_WEIGHT_DTYPE', // a tensor of an unsupported dtype
  'VIT_WEIGHT_VALUE', // a tensor with unusable values
] as const;

/** One code of {@link VIT_ERROR_CODES}: the `code` of every `VitError`. */
export type VitErrorCode = (typeof VIT_ERROR_CODES)[number];
