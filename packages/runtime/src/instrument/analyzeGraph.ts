import { DataType, type ModelProto, type NodeProto } from '../onnx/proto.js';
import { VitModelError } from './errors.js';
import { GraphIndex, LAYOUT_OPS } from './graphIndex.js';
import type { ModelInfo, TapName } from './types.js';

/** Tensors found structurally for one block, before the probe run settles layouts. */
export interface BlockTensors {
  softmax: NodeProto;
  /** Normalised softmax axis when it can be read without a shape (`undefined` = positive axis, needs the rank). */
  softmaxAxis: number;
  tensors: Record<TapName, string>;
}

/** The structural reading of a ViT graph. */
export interface GraphStructure {
  index: GraphIndex;
  blocks: BlockTensors[];
  inputName: string;
  inputDims: (number | null)[];
  patch: number;
  norm: ModelInfo['norm'];
}

const FUSED_OPS = new Set(['Attention', 'MultiHeadAttention', 'PackedAttention', 'PackedMultiHeadAttention', 'GroupQueryAttention', 'DecoderMaskedMultiHeadAttention']);

/**
 * Find, by structure only, the attention softmaxes, residual adds and LayerNorm outputs of every block.
 * @throws VitModelError for fused attention, no attention, or residual adds that cannot be found.
 */
export function analyzeGraph(model: ModelProto, fn: string): GraphStructure {
  const graph = model.graph!;
  for (const n of graph.node ?? []) {
    if (FUSED_OPS.has(n.opType)) {
      const domain = n.domain ? `${n.domain}.` : '';
      throw new VitModelError(
        `${fn}: node "${n.name ?? n.output?.[0]}" is a fused ${domain}${n.opType} op, whose attention probabilities cannot be tapped; re-export with eager attention (torch.onnx.export of the eager model, Hugging Face attn_implementation="eager", and no onnxruntime-transformers fusion).`,
        { code: 'VIT_FUSED_ATTENTION' },
      );
    }
  }
  const external = (graph.initializer ?? []).find((t) => t.dataLocation === 1 || t.externalData?.length);
  if (external) {
    throw new VitModelError(
      `${fn}: initializer "${external.name}" is stored as external data (beside the .onnx file), which is not supported; save the model as one file: onnx.save(onnx.load(path), out, save_as_external_data=False) (models under 2 GB).`,
      { code: 'VIT_UNSUPPORTED_GRAPH' },
    );
  }
  const g = new GraphIndex(graph);
  const opset = model.opsetImport?.find((o) => !o.domain)?.version ?? 17;

  // 1. Attention softmaxes: input derives from q·kᵀ of two projections of the same tokens,
  //    output feeds a product with a third projection (v).
  const found: { s: NodeProto; qk: NodeProto; sources: Set<string>; axis: number }[] = [];
  for (const s of g.nodes) {
    if (s.opType !== 'Softmax') continue;
    const x = s.input?.[0];
    if (!x || !g.isActivation(x)) continue;
    const qk = g.findBack(x, (n) => g.isDynamicMatMul(n), (n) => g.isProjection(n) || n.opType === 'Conv', 8);
    if (!qk) continue;
    const qs = g.projectionSources(qk.input![0]);
    const ks = g.projectionSources(qk.input![1]);
    const shared = new Set([...qs].filter((t) => ks.has(t)));
    if (!shared.size) continue;
    const av = g.findForward(s.output![0], (n, via) => g.isDynamicMatMul(n) && n.input![0] === via, 4);
    if (!av) continue;
    const vs = g.projectionSources(av.input![1]);
    if (![...vs].some((t) => shared.has(t))) continue;
    const axisAttr = g.intAttr(s, 'axis');
    const axis = axisAttr ?? (opset >= 13 ? -1 : 1);
    found.push({ s, qk, sources: shared, axis });
  }
  if (!found.length) {
    const softmaxes = g.nodes.filter((n) => n.opType === 'Softmax').length;
    throw new VitModelError(
      `${fn}: no self-attention found (${softmaxes} Softmax node(s), none computing softmax(q·kᵀ) of projected tokens followed by a product with v); is this a Vision Transformer?`,
      { code: 'VIT_NO_ATTENTION' },
    );
  }

  // 2. Per block: the residual adds and the LayerNorm outputs feeding each branch.
  const blocks: BlockTensors[] = [];
  for (let l = 0; l < found.length; l++) {
    const { s, sources, axis } = found[l];
    const nextOrder = l + 1 < found.length ? g.order.get(found[l + 1].s)! : Infinity;
    const sOut = s.output![0];
    const below = g.descendants(sOut);
    const above = g.ancestors(s.input![0]);
    const start = g.order.get(s)!;
    const isResidualAdd = (n: NodeProto) => n.opType === 'Add' && g.isFloat(n.output![0]) && g.dynamicInputs(n).length === 2;

    let attnAdd: NodeProto | undefined;
    let attnSkip = '';
    let attnBranch = '';
    for (let i = start + 1; i < g.nodes.length && !attnAdd; i++) {
      const n = g.nodes[i];
      if (!isResidualAdd(n)) continue;
      const [a, b] = n.input!;
      if (below.has(b) && !below.has(a) && above.has(a)) [attnAdd, attnSkip, attnBranch] = [n, a, b];
      else if (below.has(a) && !below.has(b) && above.has(b)) [attnAdd, attnSkip, attnBranch] = [n, b, a];
    }
    if (!attnAdd) throw unsupported(fn, `could not find the residual add after the attention of block ${l + 1}`);
    const mid = attnAdd.output![0];
    const midDesc = g.descendants(mid);
    let mlpAdd: NodeProto | undefined;
    let mlpSkip = '';
    let mlpBranch = '';
    for (let i = g.order.get(attnAdd)! + 1; i < g.nodes.length && !mlpAdd; i++) {
      const n = g.nodes[i];
      if (i > nextOrder) break;
      if (!isResidualAdd(n)) continue;
      const [a, b] = n.input!;
      if (g.throughLayout(a) === mid && b !== a && midDesc.has(b) && g.throughLayout(b) !== mid) [mlpAdd, mlpSkip, mlpBranch] = [n, a, b];
      else if (g.throughLayout(b) === mid && midDesc.has(a) && g.throughLayout(a) !== mid) [mlpAdd, mlpSkip, mlpBranch] = [n, b, a];
    }
    if (!mlpAdd) throw unsupported(fn, `could not find the MLP residual add of block ${l + 1} (post-norm blocks are not supported)`);

    // The attention branch's normalised tokens: the shared source of q and k, seen through layout ops.
    const attnIn = [...sources].find((t) => above.has(t)) ?? [...sources][0];
    // The MLP branch's: the input of the first projection between the two residual adds.
    const branchAnc = g.ancestors(mlpBranch);
    let mlpIn = '';
    for (let i = g.order.get(attnAdd)! + 1; i < g.order.get(mlpAdd)!; i++) {
      const n = g.nodes[i];
      if (g.isProjection(n) && branchAnc.has(n.output![0])) {
        mlpIn = g.throughLayout(g.dynamicInputs(n)[0]);
        break;
      }
    }
    if (!mlpIn) throw unsupported(fn, `could not find the MLP input of block ${l + 1}`);
    blocks.push({
      softmax: s,
      softmaxAxis: axis,
      tensors: { attention: sOut, block: mlpAdd.output![0], attnIn, mlpIn, attnSkip, attnBranch, mlpSkip, mlpBranch },
    });
  }

  // 3. The pixel input and the patch-embedding Conv (kernel = stride).
  const inputName = g.inputs[0];
  const inputInfo = graph.input?.find((v) => v.name === inputName);
  const inputType = inputInfo?.type?.tensorType?.elemType;
  if (g.inputs.length !== 1 || inputType !== DataType.FLOAT) {
    throw unsupported(fn, `the graph must take one float32 pixel input [B,C,H,W]; it takes ${g.inputs.length} input(s), "${inputName}" of ONNX type ${inputType ?? 'unknown'} (export in float32)`);
  }
  const inputDims = (inputInfo?.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimValue && d.dimValue > 0 ? d.dimValue : null));
  const fromInput = g.descendants(inputName);
  const conv = g.nodes.find((n) => {
    if (n.opType !== 'Conv' || !fromInput.has(n.input![0])) return false;
    const k = g.intsAttr(n, 'kernel_shape') ?? kernelFromWeight(g, n);
    const st = g.intsAttr(n, 'strides');
    return !!k && !!st && k.length === 2 && k[0] > 1 && k[0] === st[0] && k[1] === st[1];
  });
  if (!conv) throw unsupported(fn, 'no patch-embedding Conv (kernel = stride) reads the pixel input');
  const k = g.intsAttr(conv, 'kernel_shape') ?? kernelFromWeight(g, conv)!;
  if (k[0] !== k[1]) throw unsupported(fn, `the patch-embedding Conv "${conv.name}" has a non-square kernel ${k[0]}×${k[1]}`);

  return { index: g, blocks, inputName, inputDims, patch: k[0], norm: normKind(g, blocks[0].tensors.attnIn) };
}

function kernelFromWeight(g: GraphIndex, conv: NodeProto): number[] | undefined {
  const w = g.initializers.get(conv.input![1]);
  return w?.dims && w.dims.length === 4 ? [w.dims[2], w.dims[3]] : undefined;
}

function normKind(g: GraphIndex, t: string): ModelInfo['norm'] {
  const p = g.producer.get(t);
  if (p?.opType === 'LayerNormalization') return 'LayerNormalization';
  // Decomposed: (x − mean)/sqrt(var + eps)·γ + β within a few nodes.
  const ops = new Set<string>();
  let frontier = [t];
  for (let d = 0; d < 8 && frontier.length; d++) {
    const next: string[] = [];
    for (const x of frontier) {
      const n = g.producer.get(x);
      if (!n || LAYOUT_OPS.has(n.opType) && d > 0) continue;
      ops.add(n.opType);
      next.push(...g.dynamicInputs(n));
    }
    frontier = next;
  }
  return ops.has('ReduceMean') && (ops.has('Sqrt') || ops.has('Pow')) ? 'decomposed' : 'other';
}

function unsupported(fn: string, what: string): VitModelError {
  return new VitModelError(`${fn}: ${what}; the graph is not a pre-norm ViT the instrumentation can read.`, { code: 'VIT_UNSUPPORTED_GRAPH' });
}
