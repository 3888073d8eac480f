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
