import { checkExternalData } from '../onnx/externalData.js';
import { decodeModel, encodeModel, type ModelProto } from '../onnx/proto.js';
import { unfuseAttention } from './unfuseAttention.js';

/** A decoded model ready for analysis: fused attention rewritten, external data checked. Internal. */
export interface PreparedModel {
  proto: ModelProto;
  /** The bytes to run: the input bytes, or the re-encoded graph when fused attention was unfused. */
  bytes: Uint8Array;
  /** The folder onnxruntime reads the external-data files from (`undefined`: the model has none). */
  externalDataDir?: string;
  /** Fused attention nodes rewritten into primitives. */
  unfused: number;
}

/**
 * Decode ONNX bytes, check their external-data references against `externalDataDir` and unfuse fused
 * attention. Initializers stored as external data stay references (their `location` is resolved by
 * onnxruntime against `externalDataDir`), so rewriting a 5 GB model re-encodes only its graph.
 */
export function prepareModel(bytes: Uint8Array, fn: string, o: { file?: string; externalDataDir?: string } = {}): PreparedModel {
  const proto = decodeModel(bytes, o.file);
  const refs = checkExternalData(proto, o.externalDataDir, fn, o.file);
  const unfused = unfuseAttention(proto, o.file ?? fn); // graph messages name the file when there is one
  const out = unfused ? plain(encodeModel(proto)) : bytes;
  return { proto, bytes: out, externalDataDir: refs.length ? o.externalDataDir : undefined, unfused };
}

function plain(b: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(b) === Uint8Array.prototype ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
