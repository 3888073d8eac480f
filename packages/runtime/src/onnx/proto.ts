import protobuf from 'protobufjs';
import { VitIoError } from '@vit/io';
import { onnxSchema } from './schema.js';

/** ONNX `TensorProto.DataType` codes. */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  BFLOAT16: 16,
} as const;

/** ONNX `AttributeProto.AttributeType` codes. */
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
} as const;

// Plain-object views of the messages (int64 fields decoded to JS numbers).
export interface TensorProto {
  name?: string;
  dims?: number[];
  dataType?: number;
  rawData?: Uint8Array;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: number[];
  doubleData?: number[];
  uint64Data?: number[];
  stringData?: Uint8Array[];
  externalData?: { key: string; value: string }[];
  dataLocation?: number;
  docString?: string;
}
export interface AttributeProto {
  name: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  graphs?: GraphProto[];
  refAttrName?: string;
  docString?: string;
}
export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  opType: string;
  domain?: string;
  attribute?: AttributeProto[];
  docString?: string;
}
export interface Dimension {
  dimValue?: number;
  dimParam?: string;
}
export interface TypeProto {
  tensorType?: { elemType?: number; shape?: { dim?: Dimension[] } };
  [other: string]: unknown;
}
export interface ValueInfoProto {
  name: string;
  type?: TypeProto;
  docString?: string;
}
export interface GraphProto {
  name?: string;
  node?: NodeProto[];
  initializer?: TensorProto[];
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  valueInfo?: ValueInfoProto[];
  docString?: string;
  [other: string]: unknown;
}
export interface OperatorSetId {
  domain?: string;
  version: number;
}
export interface FunctionProto {
  name: string;
  domain?: string;
  input?: string[];
  output?: string[];
  attribute?: string[];
  node?: NodeProto[];
  opsetImport?: OperatorSetId[];
  [other: string]: unknown;
}
export interface ModelProto {
  irVersion?: number;
  opsetImport?: OperatorSetId[];
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graph?: GraphProto;
  metadataProps?: { key: string; value: string }[];
  functions?: FunctionProto[];
}

let modelType: protobuf.Type | undefined;
function ModelType(): protobuf.Type {
  modelType ??= protobuf.Root.fromJSON(onnxSchema as unknown as protobuf.INamespace).lookupType('onnx.ModelProto');
  return modelType;
}

/**
 * Decode ONNX model bytes into plain objects (int64 → number, bytes → Uint8Array).
 * @throws VitIoError when the bytes are not a protobuf ModelProto with a graph.
 */
export function decodeModel(bytes: Uint8Array, file?: string): ModelProto {
  let msg: protobuf.Message;
  try {
    msg = ModelType().decode(bytes);
  } catch (cause) {
    throw new VitIoError(`not an ONNX model (protobuf decoding failed: ${(cause as Error).message}). Pass a .onnx file exported from your framework.`, { file, cause, code: 'VIT_NOT_ONNX' });
  }
  const model = ModelType().toObject(msg, { longs: Number, defaults: false, arrays: true }) as ModelProto;
  if (!model.graph || !model.graph.node?.length) {
    throw new VitIoError('not an ONNX model: it has no graph nodes. Pass a .onnx file exported from your framework.', { file, code: 'VIT_NOT_ONNX' });
  }
  return model;
}

/** Encode a model back to ONNX bytes. */
export function encodeModel(model: ModelProto): Uint8Array {
  const T = ModelType();
  return T.encode(T.fromObject(model as unknown as Record<string, unknown>)).finish();
}

// ---- small constructors, used by the builder and the numeric backend's graphs ----

export type AttrValue = number | string | number[] | TensorProto | GraphProto | string[];

/** Build an attribute; integers vs floats are told apart by `kind` where a plain number is ambiguous. */
export function attr(name: string, value: AttrValue, kind?: 'int' | 'float' | 'ints' | 'floats'): AttributeProto {
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') {
    const isInt = kind ? kind === 'int' : Number.isInteger(value);
    return isInt ? { name, type: AttributeType.INT, i: value } : { name, type: AttributeType.FLOAT, f: value };
  }
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string')) {
      return { name, type: AttributeType.STRINGS, strings: (value as string[]).map((s) => new TextEncoder().encode(s)) };
    }
    const nums = value as number[];
    const isInts = kind ? kind === 'ints' : nums.every(Number.isInteger);
    return isInts ? { name, type: AttributeType.INTS, ints: nums } : { name, type: AttributeType.FLOATS, floats: nums };
  }
  if ('node' in (value as GraphProto)) return { name, type: AttributeType.GRAPH, g: value as GraphProto };
  return { name, type: AttributeType.TENSOR, t: value as TensorProto };
}

/** A node; `attrs` values as for {@link attr} (integers become INT attributes). */
export function node(
  opType: string,
  input: string[],
  output: string[],
  attrs: Record<string, AttrValue> = {},
  extra: { name?: string; domain?: string } = {},
): NodeProto {
  return {
    opType,
    input,
    output,
    name: extra.name ?? output[0],
    ...(extra.domain ? { domain: extra.domain } : {}),
    attribute: Object.entries(attrs).map(([k, v]) => attr(k, v)),
  };
}

/** An initializer / constant tensor stored as raw little-endian bytes. */
export function tensorProto(
  name: string,
  data: Float32Array | Int32Array | BigInt64Array | Float64Array | Uint8Array,
  dims: readonly number[],
): TensorProto {
  const dataType =
    data instanceof Float32Array
      ? DataType.FLOAT
      : data instanceof Int32Array
        ? DataType.INT32
        : data instanceof BigInt64Array
          ? DataType.INT64
          : data instanceof Float64Array
            ? DataType.DOUBLE
            : DataType.UINT8;
  return {
    name,
    dims: dims.slice(),
    dataType,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

/** An int64 tensor from plain numbers (shapes, axes, indices). */
export function int64Tensor(name: string, values: readonly number[], dims: readonly number[] = [values.length]): TensorProto {
  return tensorProto(name, BigInt64Array.from(values.map((v) => BigInt(v))), dims);
}

/** A graph input/output description; `null`/string dims are symbolic (`'batch'`). */
export function valueInfo(name: string, elemType: number, shape?: readonly (number | string | null)[]): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        ...(shape
          ? {
              shape: {
                dim: shape.map((d) =>
                  typeof d === 'number' ? { dimValue: d } : d === null ? {} : { dimParam: d },
                ),
              },
            }
          : {}),
      },
    },
  };
}

/** A complete model with the default ONNX domain at `opset` (IR version 8 works with onnxruntime ≥ 1.14). */
export function model(graph: GraphProto, opset = 17, extraOpsets: OperatorSetId[] = []): ModelProto {
  return {
    irVersion: 8,
    producerName: 'vit-analysis',
    opsetImport: [{ domain: '', version: opset }, ...extraOpsets],
    graph,
  };
}
