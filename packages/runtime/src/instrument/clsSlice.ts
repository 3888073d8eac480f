import { int64Tensor, node, type NodeProto } from '../onnx/proto.js';
import type { TensorLayout } from './types.js';

/** Prefix of every name the CLS slices add to a graph (kept apart from the model's own names). */
const PREFIX = 'vit_analysis_cls';

/**
 * Nodes that output token 0 of a token tensor as `[B,1,D]` (`[1,B,D]` for sequence-first `TBD`,
 * the same floats in memory): `Gather(indices=[0])` on the token axis, after a `Reshape` to
 * `[B,T,D]` for the flattened `[B·T,D]` layout.
 *
 * @param name the tapped tensor.
 * @param layout its layout in the graph (a token layout).
 * @param tokens `T` (for the flattened layout's reshape).
 * @param dim `D` (idem).
 * @param output the name of the new graph output.
 * @returns the nodes, in order.
 */
export function clsSliceNodes(name: string, layout: TensorLayout, tokens: number, dim: number, output: string): NodeProto[] {
  const index = `${output}/index`;
  const nodes = [node('Constant', [], [index], { value: int64Tensor(index, [0]) }, { name: `${PREFIX}/${index}` })];
  let source = name;
  if (layout === 'BT_D') {
    const shape = `${output}/shape`;
    source = `${output}/btd`;
    nodes.push(node('Constant', [], [shape], { value: int64Tensor(shape, [-1, tokens, dim]) }, { name: `${PREFIX}/${shape}` }));
    nodes.push(node('Reshape', [name, shape], [source], {}, { name: `${PREFIX}/${source}` }));
  }
  nodes.push(node('Gather', [source, index], [output], { axis: layout === 'TBD' ? 0 : 1 }, { name: `${PREFIX}/${output}` }));
  return nodes;
}

/** The graph output holding token 0 of tensor `name`. */
export function clsOutputName(name: string): string {
  return `${PREFIX}/${name}`;
}
