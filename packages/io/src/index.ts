export { VitError, VitIoError, VitValueError } from './errors.js';
export type { VitErrorOptions } from './errors.js';
export { VIT_ERROR_CODES } from './errorCodes.js';
export type { VitErrorCode } from './errorCodes.js';
export { tensor, ndarray } from './tensor.js';
export type { DType, Tensor, TypedArray, NdArray, Data } from './tensor.js';
export { assertTensor, assertFinite, dtypeOf, shapeText } from './assert.js';
export type { AssertTensorOptions } from './assert.js';
export { resolveLayers } from './layers.js';
export type { LayerSelection } from './layers.js';
export { referenceBackend } from './referenceBackend.js';
export { ortBackend } from './ort/ortBackend.js';
export type { OrtBackendOptions } from './ort/ortBackend.js';
export { resolveBackend } from './resolveBackend.js';
export { setDefaultBackend } from './setDefaultBackend.js';
export { Prng } from './prng.js';
export type { Matrix, MatmulOptions, NearestResult, NumericBackend, TopKOptions, TopKResult } from './backend.js';
export type { Accumulator, AccumulatorJSON, AccumulatorRestoreOptions } from './accumulator.js';

// Tensor helpers
export { typedArrayFor, isDType, DTYPES } from './dtype.js';
export type { ArrayOf, DTypeArrayMap } from './dtype.js';
export { zeros } from './zeros.js';
export { fromTypedArray } from './fromTypedArray.js';
export { reshape } from './reshape.js';
export { permute } from './permute.js';
export { transpose } from './transpose.js';
export { slice } from './slice.js';
export type { SliceRange } from './slice.js';
export { contiguous } from './contiguous.js';
export { isContiguous } from './isContiguous.js';

// Files
export { atomicWrite } from './atomicWrite.js';
export type { IoErrorCode } from './ioUtil.js';
export { parseNpy } from './parseNpy.js';
export type { NpyResult, ParseNpyOptions } from './parseNpy.js';
export { serializeNpy } from './serializeNpy.js';
export type { SerializeNpyOptions } from './serializeNpy.js';
export { readNpy } from './readNpy.js';
export { writeNpy } from './writeNpy.js';
export { parseNpz } from './parseNpz.js';
export type { ParseNpzOptions } from './parseNpz.js';
export { serializeNpz, serializeNpzParts } from './serializeNpz.js';
export type { NpzEntry, SerializeNpzOptions } from './serializeNpz.js';
export { readNpz } from './readNpz.js';
export { writeNpz } from './writeNpz.js';
export { parseSafetensors } from './parseSafetensors.js';
export type { ParseSafetensorsOptions, SafetensorsResult, SafetensorsTensor } from './parseSafetensors.js';
export { serializeSafetensors } from './serializeSafetensors.js';
export type { SafetensorsEntry } from './serializeSafetensors.js';
export type { SafetensorsDType } from './safetensorsDType.js';
export { readSafetensors } from './readSafetensors.js';
export { writeSafetensors } from './writeSafetensors.js';
export { parsePickle } from './parsePickle.js';
export type { ParsePickleOptions, PickleDict, PickleKey, PickleValue, TorchTensor } from './pickle.js';
export { isTorchTensor } from './isTorchTensor.js';
export { parseTorchCheckpoint } from './parseTorchCheckpoint.js';
export type { ParseTorchCheckpointOptions, TorchCheckpoint } from './parseTorchCheckpoint.js';
export { readTorchCheckpoint } from './readTorchCheckpoint.js';

// Images
export { decodeImage } from './decodeImage.js';
export type { DecodeImageOptions } from './decodeImage.js';
export { readImage } from './readImage.js';
export { imageDecoder } from './imageDecoder.js';
export type { ImageDecoderInfo } from './imageDecoder.js';
export type { JpegDecoderChoice } from './jpeg.js';
export { decodeIndexedPng } from './decodeIndexedPng.js';
export type { DecodeIndexedPngOptions } from './decodeIndexedPng.js';
export { decodeLabelPng } from './decodeLabelPng.js';
export { readLabelPng } from './readLabelPng.js';
export { encodePng } from './encodePng.js';
export type { EncodePngOptions } from './encodePng.js';
export { writePng } from './writePng.js';

// WebAssembly kernels of the analysis packages (tools/wasm/build.sh)
export { ensureWasmMemory, wasmKernel, wasmRegions } from './wasmKernel.js';
export type { WasmKernel, WasmMemory } from './wasmKernel.js';
