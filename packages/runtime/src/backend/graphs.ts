import { DataType, attr, encodeModel, model, node, valueInfo } from '../onnx/proto.js';
import type { GraphProto } from '../onnx/proto.js';

/**
 * The small ONNX graphs behind {@link ortBackend}. Every dimension is symbolic, so one
 * graph (and one cached session) per op serves every shape. Inputs and outputs are named
 * so that the backend can bind pre-allocated output buffers.
 */

const F = DataType.FLOAT;
const I32 = DataType.INT32;

function bytes(name: string, g: Omit<GraphProto, 'name'>): Uint8Array {
  return encodeModel(model({ name, ...g }));
}

/**
 * `Y = op(A) · op(B)` as one Gemm; the transposes are Gemm attributes, so MLAS reads the
 * operands in place instead of materialising a transposed copy.
 */
export function gemmGraph(transA: boolean, transB: boolean): Uint8Array {
  const a = transA ? ['k', 'm'] : ['m', 'k'];
  const b = transB ? ['n', 'k'] : ['k', 'n'];
  return bytes(`gemm_${+transA}${+transB}`, {
    node: [node('Gemm', ['A', 'B'], ['Y'], { transA: +transA, transB: +transB })],
    input: [valueInfo('A', F, a), valueInfo('B', F, b)],
    output: [valueInfo('Y', F, ['m', 'n'])],
  });
}

/** Row-wise sorted top-k; ONNX returns int64 indices, cast to int32 inside the graph. */
export function topkGraph(largest: boolean): Uint8Array {
  return bytes(`topk_${largest ? 'largest' : 'smallest'}`, {
    node: [
      node('TopK', ['X', 'K'], ['V', 'I64'], { axis: 1, largest: +largest, sorted: 1 }),
      node('Cast', ['I64'], ['I'], { to: I32 }),
    ],
    input: [valueInfo('X', F, ['n', 'm']), valueInfo('K', DataType.INT64, [1])],
    output: [valueInfo('V', F, ['n', 'k']), valueInfo('I', I32, ['n', 'k'])],
  });
}

/** Row-wise ArgMin / ArgMax, first occurrence on ties (`select_last_index = 0`). */
export function argGraph(op: 'ArgMin' | 'ArgMax'): Uint8Array {
  return bytes(op.toLowerCase(), {
    node: [
      node(op, ['X'], ['I64'], { axis: 1, keepdims: 0, select_last_index: 0 }),
      node('Cast', ['I64'], ['I'], { to: I32 }),
    ],
    input: [valueInfo('X', F, ['n', 'm'])],
    output: [valueInfo('I', I32, ['n'])],
  });
}

/**
 * Nearest centre in one graph: `D = ‖x‖² − 2·x·cᵀ + ‖c‖²` (the product as a Gemm with
 * `alpha = −2`, the row norms as ReduceSumSquare), clamped at 0 by Relu, then ArgMin and
 * ReduceMin over the same `D` so index and distance always agree.
 */
export function nearestGraph(): Uint8Array {
  return bytes('nearest', {
    node: [
      node('ReduceSumSquare', ['X'], ['xx'], { axes: [1], keepdims: 1 }),
      node('ReduceSumSquare', ['C'], ['cc'], { axes: [1], keepdims: 0 }),
      // alpha/beta must be FLOAT attributes; `node` would encode the integral -2 as INT.
      { ...node('Gemm', ['X', 'C', 'cc'], ['xc'], { transB: 1 }), attribute: [attr('transB', 1), attr('alpha', -2, 'float'), attr('beta', 1, 'float')] },
      node('Add', ['xc', 'xx'], ['d_raw']),
      node('Relu', ['d_raw'], ['d']),
      node('ArgMin', ['d'], ['I64'], { axis: 1, keepdims: 0, select_last_index: 0 }),
      node('Cast', ['I64'], ['I'], { to: I32 }),
      node('ReduceMin', ['d'], ['D'], { axes: [1], keepdims: 0 }),
    ],
    input: [valueInfo('X', F, ['n', 'd']), valueInfo('C', F, ['k', 'd'])],
    output: [valueInfo('I', I32, ['n']), valueInfo('D', F, ['n'])],
  });
}
