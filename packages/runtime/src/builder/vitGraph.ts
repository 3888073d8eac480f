import { DataType, attr, int64Tensor, node, tensorProto, valueInfo, type AttributeProto, type NodeProto, type TensorProto, type ValueInfoProto } from '../onnx/proto.js';
import type { TapName } from '../instrument/types.js';
import type { LoadedWeights } from './loadViTWeights.js';
import type { ResolvedViTConfig } from './types.js';
import { relativePositionIndex } from './relativePositionIndex.js';

/** The graph's pixel input. */
export const INPUT_NAME = 'pixel_values';

/** Nodes, initializers, inputs and outputs of a built ViT. Internal. */
export interface VitGraphParts {
  nodes: NodeProto[];
  initializers: TensorProto[];
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
}

/**
 * Emit the ONNX nodes of a standard pre-norm ViT, as timm's `VisionTransformer.forward` / `Beit.forward`
 * compute it. Tap tensors carry their output names (`attention.3`, `block.3`, …) whether exposed or
 * not; only those in `taps × layers` become graph outputs. Internal.
 */
export function vitGraph(
  c: ResolvedViTConfig,
  w: LoadedWeights,
  taps: readonly TapName[],
  layers: readonly number[],
  /** Called on each initializer as it is made (e.g. to move its bytes to an external-data file); its result is kept. */
  sink: (t: TensorProto) => TensorProto = (t) => t,
): VitGraphParts {
  const nodes: NodeProto[] = [];
  const initializers = { push: (t: TensorProto) => list.push(sink(t)) };
  const list: TensorProto[] = [];
  const D = c.dim;
  const H = c.heads;
  const hd = D / H;
  const T = c.tokens;
  const P = c.prefixTokens;
  const [gh, gw] = c.grid;
  let tmp = 0;
  const fresh = (hint: string) => `${hint}#${++tmp}`;
  const op = (opType: string, inputs: string[], out: string, attrs: AttributeProto[] = []): string => {
    nodes.push({ ...node(opType, inputs, [out]), attribute: attrs });
    return out;
  };
  const param = (name: string, data: Float32Array | BigInt64Array | Int32Array, dims: number[]): string => {
    initializers.push(tensorProto(name, data, dims));
    return name;
  };
  const weight = (name: string) => w.floats.get(name)!;
  const ints = (name: string, values: number[]) => {
    initializers.push(int64Tensor(name, values));
    return name;
  };
  const int64Scalar = (name: string, v: number) => {
    initializers.push(int64Tensor(name, [v], []));
    return name;
  };
  const scalar = (name: string, v: number) => param(name, Float32Array.of(v), []);
  /** `y = x·Wᵀ + b` for a timm Linear weight `[out, in]`, stored transposed so MatMul needs no Transpose. */
  const linear = (x: string, prefix: string, outDim: number, bias: Float32Array | undefined, out: string): string => {
    const W = weight(`${prefix}.weight`);
    const inDim = W.length / outDim;
    const Wt = new Float32Array(W.length);
    for (let r = 0; r < outDim; r++) for (let k = 0; k < inDim; k++) Wt[k * outDim + r] = W[r * inDim + k];
    const wt = param(`${prefix}.weight^T`, Wt, [inDim, outDim]);
    if (!bias) return op('MatMul', [x, wt], out);
    const y = op('MatMul', [x, wt], fresh(`${prefix}.matmul`));
    return op('Add', [y, param(`${prefix}.bias`, bias, [outDim])], out);
  };
  const layerNorm = (x: string, prefix: string, out: string) =>
    op('LayerNormalization', [x, param(`${prefix}.weight`, weight(`${prefix}.weight`), [D]), param(`${prefix}.bias`, weight(`${prefix}.bias`), [D])], out, [
      attr('axis', -1, 'int'),
      attr('epsilon', c.layerNormEps, 'float'),
    ]);

  // ---- patch embedding: Conv → [B,D,gh,gw] → [B,gh·gw,D] ----
  const convIn = [INPUT_NAME, param('patch_embed.proj.weight', weight('patch_embed.proj.weight'), [D, c.inChannels, c.patchSize[0], c.patchSize[1]])];
  if (c.patchBias) convIn.push(param('patch_embed.proj.bias', weight('patch_embed.proj.bias'), [D]));
  const conv = op('Conv', convIn, 'patch_embed.proj', [attr('kernel_shape', [...c.patchSize], 'ints'), attr('strides', [...c.patchSize], 'ints')]);
  const flat = op('Reshape', [conv, ints('patch_embed.shape', [0, D, gh * gw])], fresh('patch_embed.flatten'));
  let x = op('Transpose', [flat], 'patch_embed.tokens', [attr('perm', [0, 2, 1], 'ints')]);

  // ---- prefix tokens and position embedding (timm `_pos_embed`) ----
  const posEmbed = c.posEmbed === 'learned' ? param('pos_embed', weight('pos_embed'), [1, c.noEmbedClass ? gh * gw : T, D]) : null;
  if (posEmbed && c.noEmbedClass) x = op('Add', [x, posEmbed], P > 0 ? 'patch_embed.positioned' : 'embeddings');
  if (P > 0) {
    const parts: string[] = [];
    if (c.classToken) parts.push(param('cls_token', weight('cls_token'), [1, 1, D]));
    if (c.registers > 0) parts.push(param('reg_token', weight('reg_token'), [1, c.registers, D]));
    const prefix = parts.length === 1 ? parts[0] : op('Concat', parts, 'prefix_tokens', [attr('axis', 1, 'int')]);
    // Expand the [1,P,D] prefix to the dynamic batch: shape = [B, P, D] with B read from the input.
    const batch = op('Shape', [INPUT_NAME], 'batch_size', [attr('start', 0, 'int'), attr('end', 1, 'int')]);
    const shape = op('Concat', [batch, ints('prefix.shape', [P, D])], 'prefix.expand_shape', [attr('axis', 0, 'int')]);
    const expanded = op('Expand', [prefix, shape], 'prefix.expanded');
    x = op('Concat', [expanded, x], 'tokens', [attr('axis', 1, 'int')]);
  }
  if (posEmbed && !c.noEmbedClass) x = op('Add', [x, posEmbed], 'embeddings');
  if (c.preNorm) x = layerNorm(x, 'norm_pre', 'norm_pre');

  // ---- blocks ----
  const scale = scalar('attn.scale', 1 / Math.sqrt(hd));
  const headShape = ints('attn.head_shape', [0, 0, H, hd]);
  const mergeShape = ints('attn.merge_shape', [0, 0, D]);
  const gelu = c.mlpAct === 'gelu';
  const sqrtHalf = gelu ? scalar('gelu.sqrt_half', Math.SQRT1_2) : '';
  const one = gelu ? scalar('gelu.one', 1) : '';
  const half = gelu ? scalar('gelu.half', 0.5) : '';
  const quick = gelu ? '' : scalar('quick_gelu.alpha', 1.702);
  /** BEiT's bias `[H,T,T]` = table `[R,H]` gathered by the index `[T,T]` (given, or timm's), transposed. */
  const relPosBias = (prefix: string): string => {
    const tableName = `${prefix}.relative_position_bias_table`;
    const table = param(tableName, weight(tableName), [weight(tableName).length / H, H]);
    const indexName = `${prefix}.relative_position_index`;
    const index = param(indexName, BigInt64Array.from(w.indices.get(indexName) ?? relativePositionIndex(c.grid, P), (v) => BigInt(v)), [T * T]);
    const gathered = op('Gather', [table, index], fresh(`${prefix}.rel_pos`), [attr('axis', 0, 'int')]);
    const reshaped = op('Reshape', [gathered, ints(`${prefix}.rel_pos_shape`, [T, T, H])], fresh(`${prefix}.rel_pos`));
    return op('Transpose', [reshaped], `${prefix}.rel_pos_bias`, [attr('perm', [2, 0, 1], 'ints')]);
  };
  const sharedBias = c.sharedRelPosBias ? relPosBias('rel_pos_bias') : null;
  const tapOutputs = new Map<string, string>();
  for (let i = 0; i < c.depth; i++) {
    const l = i + 1;
    const b = `blocks.${i}`;
    tapOutputs.set(`attnSkip.${l}`, x);
    // Attention branch.
    const h1 = layerNorm(x, `${b}.norm1`, `attnIn.${l}`);
    let qkvBias: Float32Array | undefined;
    if (c.qkvBias === 'qv') {
      // BEiT: bias = concat(q_bias, 0, v_bias).
      qkvBias = new Float32Array(3 * D);
      qkvBias.set(weight(`${b}.attn.q_bias`), 0);
      qkvBias.set(weight(`${b}.attn.v_bias`), 2 * D);
    }
    if (c.qkvBias === 'qkv') qkvBias = weight(`${b}.attn.qkv.bias`);
    const qkv = linear(h1, `${b}.attn.qkv`, 3 * D, qkvBias, `${b}.attn.qkv`);
    const [q0, k0, v0] = [`${b}.attn.q`, `${b}.attn.k`, `${b}.attn.v`];
    nodes.push({ ...node('Split', [qkv], [q0, k0, v0]), attribute: [attr('axis', 2, 'int')] });
    const heads = (t: string, perm: number[], out: string) =>
      op('Transpose', [op('Reshape', [t, headShape], fresh(`${t}.heads`))], out, [attr('perm', perm, 'ints')]);
    const q = op('Mul', [heads(q0, [0, 2, 1, 3], fresh(`${b}.attn.q_bhtd`)), scale], `${b}.attn.q_scaled`);
    const kT = heads(k0, [0, 2, 3, 1], `${b}.attn.k_bhdt`);
    const v = heads(v0, [0, 2, 1, 3], `${b}.attn.v_bhtd`);
    let scores = op('MatMul', [q, kT], `${b}.attn.scores`);
    if (c.relPosBias) scores = op('Add', [scores, relPosBias(`${b}.attn`)], `${b}.attn.scores_biased`);
    if (sharedBias) scores = op('Add', [scores, sharedBias], `${b}.attn.scores_biased`);
    const attn = op('Softmax', [scores], `attention.${l}`, [attr('axis', -1, 'int')]);
    const ctx = op('MatMul', [attn, v], `${b}.attn.context`);
    const merged = op('Reshape', [op('Transpose', [ctx], fresh(`${b}.attn.context_bthd`), [attr('perm', [0, 2, 1, 3], 'ints')]), mergeShape], `${b}.attn.merged`);
    let branch = linear(merged, `${b}.attn.proj`, D, weight(`${b}.attn.proj.bias`), c.layerScale ? `${b}.attn.proj` : `attnBranch.${l}`);
    if (c.layerScale) branch = op('Mul', [branch, param(`${b}.ls1.gamma`, weight(`${b}.ls1.gamma`), [D])], `attnBranch.${l}`);
    x = op('Add', [x, branch], `mlpSkip.${l}`);
    // MLP branch: fc1 → activation → fc2.
    const h2 = layerNorm(x, `${b}.norm2`, `mlpIn.${l}`);
    const f1 = linear(h2, `${b}.mlp.fc1`, c.mlpDim, weight(`${b}.mlp.fc1.bias`), `${b}.mlp.fc1`);
    let act: string;
    if (gelu) {
      // Exact GELU 0.5·x·(1 + erf(x/√2)); opset 17 has no Gelu op.
      const erf = op('Erf', [op('Mul', [f1, sqrtHalf], fresh(`${b}.mlp.gelu`))], fresh(`${b}.mlp.gelu`));
      act = op('Mul', [op('Mul', [f1, op('Add', [erf, one], fresh(`${b}.mlp.gelu`))], fresh(`${b}.mlp.gelu`)), half], `${b}.mlp.act`);
    } else {
      // QuickGELU x·σ(1.702·x).
      act = op('Mul', [f1, op('Sigmoid', [op('Mul', [f1, quick], fresh(`${b}.mlp.quick_gelu`))], fresh(`${b}.mlp.quick_gelu`))], `${b}.mlp.act`);
    }
    branch = linear(act, `${b}.mlp.fc2`, D, weight(`${b}.mlp.fc2.bias`), c.layerScale ? `${b}.mlp.fc2` : `mlpBranch.${l}`);
    if (c.layerScale) branch = op('Mul', [branch, param(`${b}.ls2.gamma`, weight(`${b}.ls2.gamma`), [D])], `mlpBranch.${l}`);
    x = op('Add', [x, branch], `block.${l}`);
  }

  // ---- final norm, pooling, head (timm `forward_head`) ----
  if (c.finalNorm === 'tokens') x = layerNorm(x, 'norm', 'norm');
  // Without a head the pooled vector is the output `features` (after fc_norm when there is one).
  const final = c.numClasses > 0 ? 'logits' : 'features';
  let pooled = c.numClasses === 0 && c.finalNorm !== 'pooled' ? 'features' : 'pooled';
  if (c.pool === 'cls') {
    pooled = op('Gather', [x, int64Scalar('pool.cls_index', 0)], pooled, [attr('axis', 1, 'int')]);
  } else {
    const patches = P > 0 ? op('Slice', [x, ints('pool.start', [P]), ints('pool.end', [T]), ints('pool.axes', [1])], 'patch_tokens') : x;
    pooled = op('ReduceMean', [patches], pooled, [attr('axes', [1], 'ints'), attr('keepdims', 0, 'int')]);
  }
  if (c.finalNorm === 'pooled') pooled = layerNorm(pooled, 'fc_norm', c.numClasses > 0 ? 'fc_norm' : 'features');
  if (c.numClasses > 0) linear(pooled, 'head', c.numClasses, c.headBias ? weight('head.bias') : undefined, 'logits');

  // ---- outputs ----
  const outputs: ValueInfoProto[] = [];
  for (const l of layers) {
    for (const tap of taps) {
      const name = `${tap}.${l}`;
      const shape = tap === 'attention' ? ['batch', H, T, T] : ['batch', T, D];
      if (tap === 'attnSkip') {
        // The block input also carries another name (the previous block's output); expose a copy.
        op('Identity', [tapOutputs.get(name)!], name);
      }
      outputs.push(valueInfo(name, DataType.FLOAT, shape));
    }
  }
  outputs.push(valueInfo(final, DataType.FLOAT, ['batch', c.numClasses > 0 ? c.numClasses : D]));
  const inputs = [valueInfo(INPUT_NAME, DataType.FLOAT, ['batch', c.inChannels, c.imageSize[0], c.imageSize[1]])];
  return { nodes, initializers: list, inputs, outputs };
}
