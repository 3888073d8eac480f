import { encodeModel, valueInfo, type NodeProto } from '../onnx/proto.js';
import { spareRoom } from './readModel.js';

/**
 * Add graph outputs (and the nodes computing any new ones) to serialized ONNX bytes without
 * re-encoding the model.
 *
 * Protobuf merges repeated occurrences of an embedded message field, so appending a second
 * `ModelProto.graph` holding only `node` and `output` entries extends the graph's lists. This keeps
 * a 350 MB ViT-B from being decoded into objects and re-encoded just to expose a few tensors. The
 * nodes land after every existing node, so the graph stays topologically sorted when they read
 * only existing tensors and each other's outputs in order. Bytes read from a file by readModel
 * are extended in place (no copy of the model).
 */
export function appendOutputs(bytes: Uint8Array, outputs: readonly { name: string; elemType: number }[], nodes: readonly NodeProto[] = []): Uint8Array {
  if (!outputs.length && !nodes.length) return bytes;
  const tail = encodeModel({ graph: { ...(nodes.length ? { node: [...nodes] } : {}), output: outputs.map((o) => valueInfo(o.name, o.elemType)) } });
  if (spareRoom(bytes) >= tail.byteLength) {
    // A file read by readModel: the tail goes in the room after it (the view of an earlier
    // append on the same bytes no longer holds its tail).
    const out = new Uint8Array(bytes.buffer, 0, bytes.byteLength + tail.byteLength);
    out.set(tail, bytes.byteLength);
    return out;
  }
  const out = new Uint8Array(bytes.byteLength + tail.byteLength);
  out.set(bytes, 0);
  out.set(tail, bytes.byteLength);
  return out;
}
