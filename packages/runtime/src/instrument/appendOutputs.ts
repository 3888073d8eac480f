import { encodeModel, valueInfo } from '../onnx/proto.js';

/**
 * Add graph outputs to serialized ONNX bytes without re-encoding the model.
 *
 * Protobuf merges repeated occurrences of an embedded message field, so appending a second
 * `ModelProto.graph` holding only `output` entries extends the graph's outputs. This keeps a
 * 350 MB ViT-B from being decoded into objects and re-encoded just to expose a few tensors.
 */
export function appendOutputs(bytes: Uint8Array, outputs: readonly { name: string; elemType: number }[]): Uint8Array {
  if (!outputs.length) return bytes;
  const tail = encodeModel({ graph: { output: outputs.map((o) => valueInfo(o.name, o.elemType)) } });
  const out = new Uint8Array(bytes.byteLength + tail.byteLength);
  out.set(bytes, 0);
  out.set(tail, bytes.byteLength);
  return out;
}
