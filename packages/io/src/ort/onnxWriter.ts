/**
 * A minimal ONNX (protobuf) writer for the few small graphs of the onnxruntime numeric
 * backend: ModelProto → GraphProto → NodeProto / AttributeProto / ValueInfoProto, with the
 * field numbers of onnx.proto. It only writes; `@vit/runtime` has the full reader/writer.
 * Internal.
 */

/** ONNX `TensorProto.DataType` codes used by the backend graphs. */
export const ElemType = { FLOAT: 1, INT32: 6, INT64: 7 } as const;

/** An attribute value: `int`/`float` tell apart integral numbers; arrays are INTS. */
export type AttrSpec = { int: number } | { float: number } | { ints: number[] };

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, AttrSpec>;
}

export interface ValueSpec {
  name: string;
  elemType: number;
  /** Symbolic (`'n'`) or fixed (`1`) dimensions. */
  shape: (string | number)[];
}

export interface GraphSpec {
  name: string;
  nodes: NodeSpec[];
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  /** Default-domain opset. @default 17 */
  opset?: number;
}

const enc = new TextEncoder();

/** Protobuf writer: varints (int64 as two's complement), fixed32 floats, length-delimited. */
class Writer {
  private bytes: number[] = [];

  private varint(v: bigint): void {
    let x = BigInt.asUintN(64, v);
    while (x >= 0x80n) {
      this.bytes.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.bytes.push(Number(x));
  }

  private tag(field: number, wire: number): void {
    this.varint(BigInt((field << 3) | wire));
  }

  int(field: number, v: number): this {
    this.tag(field, 0);
    this.varint(BigInt(v));
    return this;
  }

  float(field: number, v: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.bytes.push(...b);
    return this;
  }

  bytesField(field: number, b: Uint8Array): this {
    this.tag(field, 2);
    this.varint(BigInt(b.length));
    for (const x of b) this.bytes.push(x);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytesField(field, enc.encode(s));
  }

  message(field: number, w: Writer): this {
    return this.bytesField(field, w.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

function attribute(name: string, a: AttrSpec): Writer {
  // AttributeProto: name=1, f=2, i=3, ints=8, type=20 (FLOAT=1, INT=2, INTS=7).
  const w = new Writer().string(1, name);
  if ('float' in a) return w.float(2, a.float).int(20, 1);
  if ('int' in a) return w.int(3, a.int).int(20, 2);
  for (const v of a.ints) w.int(8, v);
  return w.int(20, 7);
}

function valueInfo(v: ValueSpec): Writer {
  // TensorShapeProto.Dimension: dim_value=1, dim_param=2.
  const shape = new Writer();
  for (const d of v.shape) shape.message(1, typeof d === 'number' ? new Writer().int(1, d) : new Writer().string(2, d));
  // TypeProto.Tensor: elem_type=1, shape=2; TypeProto: tensor_type=1; ValueInfoProto: name=1, type=2.
  const tensorType = new Writer().int(1, v.elemType).message(2, shape);
  return new Writer().string(1, v.name).message(2, new Writer().message(1, tensorType));
}

function nodeProto(n: NodeSpec): Writer {
  // NodeProto: input=1, output=2, name=3, op_type=4, attribute=5.
  const w = new Writer();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.outputs[0]).string(4, n.op);
  for (const [k, a] of Object.entries(n.attrs ?? {})) w.message(5, attribute(k, a));
  return w;
}

/**
 * Encode a one-graph ONNX model (IR version 8, default domain at `opset`).
 * @param g nodes, inputs and outputs.
 * @returns the model bytes, ready for `InferenceSession.create`.
 */
export function encodeGraph(g: GraphSpec): Uint8Array {
  // GraphProto: node=1, name=2, input=11, output=12.
  const graph = new Writer();
  for (const n of g.nodes) graph.message(1, nodeProto(n));
  graph.string(2, g.name);
  for (const v of g.inputs) graph.message(11, valueInfo(v));
  for (const v of g.outputs) graph.message(12, valueInfo(v));
  // ModelProto: ir_version=1, producer_name=2, graph=7, opset_import=8 (domain=1, version=2).
  return new Writer()
    .int(1, 8)
    .string(2, 'vit-analysis')
    .message(7, graph)
    .message(8, new Writer().string(1, '').int(2, g.opset ?? 17))
    .finish();
}
