export { decodeModel, encodeModel, model, node, attr, tensorProto, int64Tensor, valueInfo, DataType, AttributeType } from './onnx/proto.js';
export type {
  ModelProto,
  GraphProto,
  NodeProto,
  TensorProto,
  AttributeProto,
  ValueInfoProto,
  TypeProto,
  FunctionProto,
  OperatorSetId,
  AttrValue,
} from './onnx/proto.js';
export { ortBackend } from '@vit/io';
export type { OrtBackendOptions } from '@vit/io';
export { normalizationPresets } from './preprocess/normalizationPresets.js';
export type { Normalization, NormalizationPreset } from './preprocess/normalizationPresets.js';
export { resizeBicubic } from './preprocess/resizeBicubic.js';
export type { ResizeBicubicOptions } from './preprocess/resizeBicubic.js';
export { centerCrop } from './preprocess/centerCrop.js';
export { preprocess } from './preprocess/preprocess.js';
export type { PreprocessOptions } from './preprocess/preprocess.js';
export type { Interpolation, TransformGeometryOptions } from './preprocess/transform.js';
export { preprocessPresets } from './preprocess/preprocessPresets.js';
export type { PreprocessConfig, PreprocessPresetName } from './preprocess/preprocessPresets.js';
export { preprocessPreset } from './preprocess/preprocessPreset.js';
export type { PreprocessPresetOptions } from './preprocess/preprocessPreset.js';
export { transformMask } from './preprocess/transformMask.js';
export type { TransformMaskOptions, TransformedMask, MaskData } from './preprocess/transformMask.js';
export { transformKeypoints } from './preprocess/transformKeypoints.js';
export type { TransformKeypointsOptions, TransformedKeypoints } from './preprocess/transformKeypoints.js';
export { preprocessBatch } from './preprocess/preprocessBatch.js';
export { tileOffsets } from './tiling/tileOffsets.js';
export { denseFeatures } from './tiling/denseFeatures.js';
export type { DenseFeaturesOptions, TileRunner } from './tiling/denseFeatures.js';
export { inspectModel } from './instrument/inspectModel.js';
export type { InspectModelOptions } from './instrument/inspectModel.js';
export { instrumentModel } from './instrument/instrumentModel.js';
export type { InstrumentModelOptions, InstrumentedModel } from './instrument/instrumentModel.js';
export { canonicalTaps } from './instrument/canonicalTaps.js';
export type { RawTensor } from './instrument/canonicalTaps.js';
export { TAP_NAMES } from './instrument/types.js';
export type { ModelInfo, TapName, TapOutput, TapTensor, TapTokens, TensorLayout } from './instrument/types.js';
export { VitModelError } from './instrument/errors.js';
export type { ModelErrorCode } from './instrument/errors.js';
export { ViTSession } from './session/ViTSession.js';
export type { ViTSessionOptions, StreamOptions, SessionPreset } from './session/ViTSession.js';
export type { Device } from './session/ortSession.js';
export type { Capture, CaptureGrid, CaptureMeta, CaptureStream, SkippedImage, StreamInput } from './session/types.js';
export { buildViT } from './builder/buildViT.js';
export type { BuildViTOptions } from './builder/buildViT.js';
export { writeViT } from './builder/writeViT.js';
export type { WriteViTOptions, WrittenViT } from './builder/writeViT.js';
export { inferViTConfig } from './builder/inferViTConfig.js';
export type { InferViTConfigOptions } from './builder/inferViTConfig.js';
export { randomViTWeights } from './builder/randomViTWeights.js';
export type { RandomViTWeightsOptions } from './builder/randomViTWeights.js';
export { resolveViTConfig } from './builder/resolveViTConfig.js';
export { vitPresets } from './builder/vitPresets.js';
export { vitParameterCount } from './builder/vitParameterCount.js';
export type { ViTPreset } from './builder/vitPresets.js';
export type { CheckpointTensor, ResolvedViTConfig, ViTConfig, ViTPreprocessing, ViTWeights } from './builder/types.js';
export { loadCheckpoint } from './checkpoint/loadCheckpoint.js';
export { convertCheckpoint } from './checkpoint/convertCheckpoint.js';
export type { CheckpointSource, ConvertCheckpointOptions } from './checkpoint/convertCheckpoint.js';
export type { CheckpointFamily, CheckpointPreprocessing, IgnoredKey, LoadCheckpointOptions, LoadedCheckpoint } from './checkpoint/types.js';
