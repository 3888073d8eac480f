import { ElemType, encodeGraph } from './onnxWriter.js';

/**
 * The small ONNX graphs behind the onnxruntime backend. Every dimension is symbolic, so one
 * graph (and one cached session) per op serves every shape. Inputs and outputs are named
 * so that the backend can bind pre-allocated output buffers. Internal.
 */

const F = ElemType.FLOAT;
const I32 = ElemType.INT32;

/**
 * `Y = op(A) · op(B)` as one Gemm; the transposes are Gemm attributes, so MLAS reads the
 * operands in place instead of materialising a transposed copy.
 */
export function gemmGraph(transA: boolean, transB: boolean): Uint8Array {
  return encodeGraph({
    name: `gemm_${+transA}${+transB}`,
    nodes: [{ op: 'Gemm', inputs: ['A', 'B'], outputs: ['Y'], attrs: { transA: { int: +transA }, transB: { int: +transB } } }],
    inputs: [
      { name: 'A', elemType: F, shape: transA ? ['k', 'm'] : ['m', 'k'] },
      { name: 'B', elemType: F, shape: transB ? ['n', 'k'] : ['k', 'n'] },
    ],
    outputs: [{ name: 'Y', elemType: F, shape: ['m', 'n'] }],
  });
}

/** Row-wise sorted top-k; ONNX returns int64 indices, cast to int32 inside the graph. */
export function topkGraph(largest: boolean): Uint8Array {
  return encodeGraph({
    name: `topk_${largest ? 'largest' : 'smallest'}`,
    nodes: [
      { op: 'TopK', inputs: ['X', 'K'], outputs: ['V', 'I64'], attrs: { axis: { int: 1 }, largest: { int: +largest }, sorted: { int: 1 } } },
      { op: 'Cast', inputs: ['I64'], outputs: ['I'], attrs: { to: { int: I32 } } },
    ],
    inputs: [
      { name: 'X', elemType: F, shape: ['n', 'm'] },
      { name: 'K', elemType: ElemType.INT64, shape: [1] },
    ],
    outputs: [
      { name: 'V', elemType: F, shape: ['n', 'k'] },
      { name: 'I', elemType: I32, shape: ['n', 'k'] },
    ],
  });
}

/** Row-wise ArgMin / ArgMax, first occurrence on ties (`select_last_index = 0`). */
export function argGraph(op: 'ArgMin' | 'ArgMax'): Uint8Array {
  return encodeGraph({
    name: op.toLowerCase(),
    nodes: [
      { op, inputs: ['X'], outputs: ['I64'], attrs: { axis: { int: 1 }, keepdims: { int: 0 }, select_last_index: { int: 0 } } },
      { op: 'Cast', inputs: ['I64'], outputs: ['I'], attrs: { to: { int: I32 } } },
    ],
    inputs: [{ name: 'X', elemType: F, shape: ['n', 'm'] }],
    outputs: [{ name: 'I', elemType: I32, shape: ['n'] }],
  });
}

/**
 * Nearest centre in one graph: `D = ‖x‖² − 2·x·cᵀ + ‖c‖²` (the product as a Gemm with
 * `alpha = −2`, the row norms as ReduceSumSquare), clamped at 0 by Relu, then ArgMin and
 * ReduceMin over the same `D` so index and distance always agree.
 */
export function nearestGraph(): Uint8Array {
  return encodeGraph({
    name: 'nearest',
    nodes: [
      { op: 'ReduceSumSquare', inputs: ['X'], outputs: ['xx'], attrs: { axes: { ints: [1] }, keepdims: { int: 1 } } },
      { op: 'ReduceSumSquare', inputs: ['C'], outputs: ['cc'], attrs: { axes: { ints: [1] }, keepdims: { int: 0 } } },
      { op: 'Gemm', inputs: ['X', 'C', 'cc'], outputs: ['xc'], attrs: { transB: { int: 1 }, alpha: { float: -2 }, beta: { float: 1 } } },
      { op: 'Add', inputs: ['xc', 'xx'], outputs: ['d_raw'] },
      { op: 'Relu', inputs: ['d_raw'], outputs: ['d'] },
      { op: 'ArgMin', inputs: ['d'], outputs: ['I64'], attrs: { axis: { int: 1 }, keepdims: { int: 0 }, select_last_index: { int: 0 } } },
      { op: 'Cast', inputs: ['I64'], outputs: ['I'], attrs: { to: { int: I32 } } },
      { op: 'ReduceMin', inputs: ['d'], outputs: ['D'], attrs: { axes: { ints: [1] }, keepdims: { int: 0 } } },
    ],
    inputs: [
      { name: 'X', elemType: F, shape: ['n', 'd'] },
      { name: 'C', elemType: F, shape: ['k', 'd'] },
    ],
    outputs: [
      { name: 'I', elemType: I32, shape: ['n'] },
      { name: 'D', elemType: F, shape: ['n'] },
    ],
  });
}
