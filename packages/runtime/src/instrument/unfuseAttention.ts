import { attr, DataType, int64Tensor, tensorProto, type AttrValue, type ModelProto, type NodeProto, type TensorProto } from '../onnx/proto.js';
import { VitModelError } from './errors.js';
import { GraphIndex } from './graphIndex.js';

/** Fused attention ops {@link unfuseAttention} knows; anything else with these names is refused. */
export const FUSED_OPS = new Set(['Attention', 'MultiHeadAttention', 'PackedAttention', 'PackedMultiHeadAttention', 'GroupQueryAttention', 'DecoderMaskedMultiHeadAttention']);

/**
 * Rewrite every fused attention node of `model` (in place) into primitives — projections where the op
 * has them, `MatMul(q, kᵀ)`, scale, bias/mask adds, `Softmax`, `MatMul(·, v)` — so that the attention
 * probabilities exist as a tensor that can be tapped. Handles the standard ONNX `Attention` (opset 23:
 * `scale`, `is_causal`, `softcap`, `q_num_heads`/`kv_num_heads` with grouped K/V, 3-D and 4-D layouts,
 * boolean or additive `attn_mask`, `past_key`/`past_value`), `com.microsoft.Attention` (packed QKV
 * weights, `qkv_hidden_sizes`, `attention_bias`, a 2-D key mask, `unidirectional`) and
 * `com.microsoft.MultiHeadAttention` (3-D q/k/v with packed bias, packed QKV `[B,S,N,3,h]`, BNSH k/v,
 * `attention_bias`, a 2-D key padding mask, `unidirectional`). New tensors are named
 * `<node>/unfused/<n>`, deterministically. Returns the number of nodes rewritten.
 * @throws VitModelError `VIT_FUSED_ATTENTION` naming the node and what cannot be unfused.
 */
export function unfuseAttention(model: ModelProto, fn: string): number {
  const graph = model.graph!;
  const nodes = graph.node ?? [];
  if (!nodes.some((n) => FUSED_OPS.has(n.opType))) return 0;
  const g = new GraphIndex(graph);
  const opset = model.opsetImport?.find((o) => !o.domain || o.domain === 'ai.onnx')?.version ?? 1;
  const used = new Set<string>();
  for (const n of nodes) for (const t of [...(n.input ?? []), ...(n.output ?? [])]) used.add(t);
  for (const t of graph.initializer ?? []) used.add(t.name ?? '');
  const graphOutputs = new Set((graph.output ?? []).map((o) => o.name));
  const isUsed = (t: string | undefined) => !!t && ((g.consumers.get(t)?.length ?? 0) > 0 || graphOutputs.has(t));
  const out: NodeProto[] = [];
  let count = 0;
  for (const n of nodes) {
    if (!FUSED_OPS.has(n.opType)) {
      out.push(n);
      continue;
    }
    const label = `node "${n.name || n.output?.[0]}" (${n.domain ? `${n.domain}.` : ''}${n.opType})`;
    const refuse = (why: string): never => {
      throw new VitModelError(
        `${fn}: ${label} cannot be unfused: ${why}; re-export with eager attention (Hugging Face attn_implementation="eager", no onnxruntime-transformers fusion).`,
        { code: 'VIT_FUSED_ATTENTION' },
      );
    };
    const e = new Emit(`${n.name || n.output![0]}/unfused`, used, opset);
    const ms = n.domain === 'com.microsoft';
    if (!ms && (n.domain ?? '') !== '' && n.domain !== 'ai.onnx') refuse(`domain "${n.domain}" is unknown`);
    if (!ms && n.opType === 'Attention') onnxAttention(n, g, e, isUsed, refuse);
    else if (ms && n.opType === 'Attention') msAttention(n, g, e, isUsed, refuse);
    else if (ms && n.opType === 'MultiHeadAttention') msMultiHeadAttention(n, g, e, isUsed, refuse);
    else refuse('only ONNX Attention, com.microsoft.Attention and com.microsoft.MultiHeadAttention are unfused (packed, grouped-query and decoder variants carry caches or sequence packing a ViT does not have)');
    out.push(...e.nodes);
    (graph.initializer ??= []).push(...e.inits);
    count++;
  }
  graph.node = out;
  return count;
}

type Refuse = (why: string) => never;
type IsUsed = (t: string | undefined) => boolean;

/** Emits uniquely named nodes and small constants. */
class Emit {
  readonly nodes: NodeProto[] = [];
  readonly inits: TensorProto[] = [];
  private k = 0;
  constructor(
    private readonly prefix: string,
    private readonly used: Set<string>,
    readonly opset: number,
  ) {}

  fresh(): string {
    let name: string;
    do name = `${this.prefix}/${this.k++}`;
    while (this.used.has(name));
    this.used.add(name);
    return name;
  }

  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, output?: string, kinds: Record<string, 'int' | 'float' | 'ints' | 'floats'> = {}): string {
    const o = output ?? this.fresh();
    this.nodes.push({ opType, input: inputs, output: [o], name: `${o}:${opType}`, attribute: Object.entries(attrs).map(([k, v]) => attr(k, v, kinds[k])) });
    return o;
  }

  ints(values: number[], dims: number[] = [values.length]): string {
    const name = this.fresh();
    this.inits.push(int64Tensor(name, values, dims));
    return name;
  }

  float(v: number): string {
    const name = this.fresh();
    this.inits.push(tensorProto(name, Float32Array.of(v), []));
    return name;
  }

  unsqueeze(x: string, axes: number[]): string {
    return this.opset >= 13 ? this.op('Unsqueeze', [x, this.ints(axes)]) : this.op('Unsqueeze', [x], { axes }, undefined, { axes: 'ints' });
  }

  split(x: string, sizes: number[], axis: number): string[] {
    const outs = sizes.map(() => this.fresh());
    const input = this.opset >= 13 ? [x, this.ints(sizes)] : [x];
    const attrs = this.opset >= 13 ? [attr('axis', axis, 'int')] : [attr('axis', axis, 'int'), attr('split', sizes, 'ints')];
    this.nodes.push({ opType: 'Split', input, output: outs, name: `${outs[0]}:Split`, attribute: attrs });
    return outs;
  }

  /** dims `[from, to)` of `x`'s shape as an int64 vector. */
  dims(x: string, from: number, to: number): string {
    const s = this.op('Shape', [x]);
    return this.op('Slice', [s, this.ints([from]), this.ints([to]), this.ints([0])]);
  }

  /** `[B,S,N·h]` → `[B,N,S,h]`. */
  heads(x: string, n: number): string {
    return this.op('Transpose', [this.op('Reshape', [x, this.ints([0, 0, n, -1])])], { perm: [0, 2, 1, 3] });
  }

  /** `[B,N,S,h]` → `[B,S,N·h]`. */
  merge(x: string, output?: string): string {
    return this.op('Reshape', [this.op('Transpose', [x], { perm: [0, 2, 1, 3] }), this.ints([0, 0, -1])], {}, output);
  }

  /** Additive bias `[…,S,L]` from a boolean "attend" tensor: 0 where true, −∞ where false. */
  boolBias(mask: string): string {
    return this.op('Where', [mask, this.float(0), this.float(-Infinity)]);
  }

  /**
   * Causal bias `[S,L]` for `scores` `[B,N,S,L]`, aligned to the upper left as ONNX `Attention` and
   * PyTorch's `is_causal` define it: key j is visible to query i when j ≤ i.
   */
  causal(scores: string, refuse: Refuse): string {
    if (this.opset < 14) refuse(`causal masking needs opset ≥ 14 (Trilu); the model is opset ${this.opset}`);
    const ones = this.op('ConstantOfShape', [this.dims(scores, 2, 4)], { value: tensorProto('value', Uint8Array.of(1), [1]) });
    const tri = this.op('Trilu', [this.op('Cast', [ones], { to: DataType.BOOL })], { upper: 0 });
    return this.boolBias(tri);
  }

  /** `softmax(scores)·v` into `output`, the probabilities as their own tensor. */
  attend(scores: string, v: string, output?: string): string {
    const p = this.op('Softmax', [scores], { axis: -1 });
    return this.op('MatMul', [p, v], {}, output);
  }
}

function attrOf(n: NodeProto, name: string) {
  return n.attribute?.find((a) => a.name === name);
}

/** Rank of a tensor when the graph tells it (value_info, initializer, or an obvious producer). */
function rankOf(g: GraphIndex, t: string, depth = 0): number | undefined {
  const init = g.initializers.get(t);
  if (init) return init.dims?.length ?? 0;
  for (const v of [...(g.graph.input ?? []), ...(g.graph.valueInfo ?? []), ...(g.graph.output ?? [])]) {
    if (v.name === t && v.type?.tensorType?.shape) return v.type.tensorType.shape.dim?.length ?? 0;
  }
  const p = g.producer.get(t);
  if (!p || depth > 12) return undefined;
  if (p.opType === 'Transpose') {
    const perm = g.intsAttr(p, 'perm');
    if (perm) return perm.length;
  }
  if (p.opType === 'Reshape') {
    const s = g.initializers.get(p.input![1]);
    if (s?.dims?.length === 1) return s.dims[0];
    const c = g.producer.get(p.input![1]);
    const ct = c?.opType === 'Constant' ? c.attribute?.find((a) => a.name === 'value')?.t : undefined;
    if (ct?.dims?.length === 1) return ct.dims[0];
  }
  if (p.opType === 'Constant') return p.attribute?.find((a) => a.name === 'value')?.t?.dims?.length;
  if (['Add', 'Sub', 'Mul', 'Div', 'Where', 'Cast', 'Identity', 'Relu', 'Softmax', 'Gelu', 'Erf', 'Sigmoid', 'Tanh', 'Dropout', 'LayerNormalization', 'Concat', 'Expand', 'Not', 'Equal'].includes(p.opType)) {
    let r: number | undefined;
    for (const i of p.input ?? []) {
      if (!i) continue;
      const ri = rankOf(g, i, depth + 1);
      if (ri === undefined) {
        if (!['Add', 'Sub', 'Mul', 'Div', 'Where'].includes(p.opType)) return undefined;
        continue;
      }
      r = Math.max(r ?? 0, ri);
      if (['Cast', 'Identity', 'Relu', 'Softmax', 'Gelu', 'Erf', 'Sigmoid', 'Tanh', 'Dropout', 'LayerNormalization', 'Not'].includes(p.opType)) return ri;
    }
    return r;
  }
  if (p.opType === 'MatMul' || p.opType === 'Gemm') {
    const ra = rankOf(g, p.input![0], depth + 1);
    const rb = rankOf(g, p.input![1], depth + 1);
    return ra !== undefined && rb !== undefined ? Math.max(ra, rb) : undefined;
  }
  if (p.opType === 'Conv') return rankOf(g, p.input![0], depth + 1);
  return undefined;
}

function requireFloat(g: GraphIndex, t: string, what: string, refuse: Refuse): void {
  const dt = g.dtype.get(t);
  if (dt !== undefined && dt !== DataType.FLOAT) refuse(`${what} is not float32 (ONNX type ${dt}); export in float32`);
}

/** The standard ONNX `Attention` (opset 23). */
function onnxAttention(n: NodeProto, g: GraphIndex, e: Emit, isUsed: IsUsed, refuse: Refuse): void {
  const [Q, K, V, mask, pastK, pastV, nonpad] = [...(n.input ?? []), '', '', '', '', '', '', ''];
  const [Y, presentK, presentV, qkOut] = [...(n.output ?? []), '', '', '', ''];
  if (nonpad) refuse('nonpad_kv_seqlen (padded KV cache) is not supported');
  if (isUsed(qkOut)) refuse('its qk_matmul_output is used by the graph');
  requireFloat(g, Q, 'Q', refuse);
  const qH = attrOf(n, 'q_num_heads')?.i;
  const kvH = attrOf(n, 'kv_num_heads')?.i;
  const rq = rankOf(g, Q) ?? (qH === undefined ? 4 : undefined);
  if (rq === undefined) refuse('the graph does not tell whether Q is 3-D or 4-D (add value_info shapes, e.g. onnx.shape_inference)');
  if (rq !== 3 && rq !== 4) refuse(`Q has rank ${rq}; Attention takes 3-D or 4-D inputs`);
  let q = Q;
  let k = K;
  let v = V;
  if (rq === 3) {
    if (!qH || !kvH) refuse('3-D inputs need both q_num_heads and kv_num_heads');
    q = e.heads(Q, qH!);
    k = e.heads(K, kvH!);
    v = e.heads(V, kvH!);
  }
  if (!!pastK !== !!pastV) refuse('past_key and past_value must be given together');
  if (pastK) {
    k = e.op('Concat', [pastK, k], { axis: 2 });
    v = e.op('Concat', [pastV, v], { axis: 2 });
  }
  if (isUsed(presentK)) e.op('Identity', [k], {}, presentK);
  if (isUsed(presentV)) e.op('Identity', [v], {}, presentV);
  // Grouped K/V heads: repeat each K/V head for its group of query heads (head i uses K/V head ⌊i·kvH/qH⌋).
  const grouped = rq === 3 ? qH !== kvH : qH !== undefined && kvH !== undefined ? qH !== kvH : true;
  if (grouped) {
    const repeat = (x: string) => {
      const group = e.op('Div', [e.dims(q, 1, 2), e.dims(x, 1, 2)]);
      const big = e.op('Concat', [e.dims(x, 0, 2), group, e.dims(x, 2, 4)], { axis: 0 });
      const expanded = e.op('Expand', [e.unsqueeze(x, [2]), big]);
      return e.op('Reshape', [expanded, e.op('Concat', [e.dims(x, 0, 1), e.dims(q, 1, 2), e.dims(x, 2, 4)], { axis: 0 })]);
    };
    k = repeat(k);
    v = repeat(v);
  }
  const scaleAttr = attrOf(n, 'scale')?.f;
  const scale = scaleAttr !== undefined && scaleAttr !== 0
    ? e.float(scaleAttr)
    : e.op('Reciprocal', [e.op('Sqrt', [e.op('Cast', [e.dims(q, 3, 4)], { to: DataType.FLOAT })])]);
  let scores = e.op('Mul', [e.op('MatMul', [q, e.op('Transpose', [k], { perm: [0, 1, 3, 2] })]), scale]);
  if (mask) {
    const dt = g.dtype.get(mask);
    if (dt === DataType.BOOL) scores = e.op('Add', [scores, e.boolBias(mask)]);
    else if (dt === DataType.FLOAT) scores = e.op('Add', [scores, mask]);
    else refuse(`attn_mask has ${dt === undefined ? 'an unknown' : `ONNX type ${dt}, not a bool or float32`} element type`);
  }
  if (attrOf(n, 'is_causal')?.i) scores = e.op('Add', [scores, e.causal(scores, refuse)]);
  const softcap = attrOf(n, 'softcap')?.f ?? 0;
  if (softcap > 0) {
    const c = e.float(softcap);
    scores = e.op('Mul', [e.op('Tanh', [e.op('Div', [scores, c])]), c]);
  }
  if (rq === 4) e.attend(scores, v, Y);
  else e.merge(e.attend(scores, v), Y);
}

/** `com.microsoft.Attention`: one packed QKV projection of the input. */
function msAttention(n: NodeProto, g: GraphIndex, e: Emit, isUsed: IsUsed, refuse: Refuse): void {
  const [X, W, bias, maskIndex, past, attnBias, pastLen] = [...(n.input ?? []), '', '', '', '', '', '', ''];
  const [Y, present] = [...(n.output ?? []), '', ''];
  if (past || pastLen || isUsed(present)) refuse('past/present key-value caches are not supported');
  if (attrOf(n, 'do_rotary')?.i) refuse('rotary embeddings (do_rotary) are not supported');
  requireFloat(g, X, 'the input', refuse);
  const N = attrOf(n, 'num_heads')?.i;
  if (!N) refuse('num_heads is missing');
  let sizes = attrOf(n, 'qkv_hidden_sizes')?.ints;
  if (!sizes?.length) {
    const w = g.initializers.get(W);
    const total = w?.dims?.[1];
    if (!total || total % 3) refuse('the hidden sizes cannot be read (weights are not an initializer [in, 3·hidden]; give qkv_hidden_sizes)');
    sizes = [total! / 3, total! / 3, total! / 3];
  }
  if (sizes.length !== 3 || sizes[0] !== sizes[1] || sizes.some((s) => s % N!)) refuse(`qkv_hidden_sizes [${sizes}] must be 3 sizes, q = k, divisible by num_heads ${N}`);
  let qkv = e.op('MatMul', [X, W]);
  if (bias) qkv = e.op('Add', [qkv, bias]);
  const [q3, k3, v3] = e.split(qkv, sizes, -1);
  const q = e.heads(q3, N!);
  const k = e.heads(k3, N!);
  const v = e.heads(v3, N!);
  const scaleAttr = attrOf(n, 'scale')?.f;
  let scores = e.op('Mul', [e.op('MatMul', [q, e.op('Transpose', [k], { perm: [0, 1, 3, 2] })]), e.float(scaleAttr || 1 / Math.sqrt(sizes[0] / N!))]);
  if (attnBias) scores = e.op('Add', [scores, attnBias]);
  if (maskIndex) scores = e.op('Add', [scores, keyMask(g, e, maskIndex, attrOf(n, 'mask_filter_value')?.f ?? -10000, 'mask_index', refuse)]);
  if (attrOf(n, 'unidirectional')?.i) scores = e.op('Add', [scores, e.causal(scores, refuse)]);
  e.merge(e.attend(scores, v), Y);
}

/** A 2-D `[B,L]` key mask (1 = attend, 0 = masked) as an additive `[B,1,1,L]` bias of `filter`. */
function keyMask(g: GraphIndex, e: Emit, mask: string, filter: number, what: string, refuse: Refuse): string {
  const r = rankOf(g, mask);
  if (r !== 2) refuse(`${what} must be a 2-D [batch, keys] 0/1 mask (${r === undefined ? 'its rank is unknown' : `it has rank ${r}`}); sequence-length and 3-D/4-D masks are not unfused`);
  const m = e.op('Cast', [mask], { to: DataType.FLOAT });
  const b = e.op('Mul', [e.op('Sub', [e.float(1), m]), e.float(filter)]);
  return e.unsqueeze(b, [1, 2]);
}

/** `com.microsoft.MultiHeadAttention`: q, k, v already projected (or packed). */
function msMultiHeadAttention(n: NodeProto, g: GraphIndex, e: Emit, isUsed: IsUsed, refuse: Refuse): void {
  const [Qin, Kin, Vin, bias, keyPadding, attnBias, pastK, pastV, ...rest] = [...(n.input ?? []), '', '', '', '', '', '', '', ''];
  const [Y, presentK, presentV, ...restOut] = [...(n.output ?? []), '', '', ''];
  if (pastK || pastV || rest.some(Boolean) || isUsed(presentK) || isUsed(presentV) || restOut.some((o) => isUsed(o))) refuse('past/present key-value caches are not supported');
  requireFloat(g, Qin, 'the query', refuse);
  const N = attrOf(n, 'num_heads')?.i;
  if (!N) refuse('num_heads is missing');
  const rq = rankOf(g, Qin);
  let q: string;
  let k: string;
  let v: string;
  if (!Kin && !Vin) {
    // Packed QKV [B,S,N,3,h].
    if (rq !== undefined && rq !== 5) refuse(`a query without key/value must be packed QKV [B,S,N,3,h]; it has rank ${rq}`);
    if (bias) refuse('bias with packed QKV is not supported');
    const pick = (i: number) => e.op('Transpose', [e.op('Gather', [Qin, e.ints([i], [])], { axis: 3 })], { perm: [0, 2, 1, 3] });
    [q, k, v] = [pick(0), pick(1), pick(2)];
  } else {
    if (rq !== undefined && rq !== 3) refuse(`the query has rank ${rq}; only 3-D [B,S,N·h] queries are unfused`);
    if (!Kin || !Vin) refuse('key and value must be given together');
    const rk = rankOf(g, Kin);
    const rv = rankOf(g, Vin);
    if (rk === undefined || rv === undefined) refuse('the ranks of key and value are unknown (3-D [B,L,N·h] or 4-D [B,N,L,h])');
    if (rk !== rv || (rk !== 3 && rk !== 4)) refuse(`key/value have ranks ${rk}/${rv}; packed KV is not unfused`);
    let q3 = Qin;
    let k3 = Kin;
    let v3 = Vin;
    if (bias) {
      if (rk === 4) refuse('bias with 4-D (BNSH) key/value is not supported');
      const b = g.initializers.get(bias);
      const total = b?.dims?.[0];
      if (!total || total % 3) refuse('the bias is not an initializer of 3 equal parts (q, k, v)');
      const [bq, bk, bv] = e.split(bias, [total! / 3, total! / 3, total! / 3], 0);
      q3 = e.op('Add', [Qin, bq]);
      k3 = e.op('Add', [Kin, bk]);
      v3 = e.op('Add', [Vin, bv]);
    }
    q = e.heads(q3, N!);
    k = rk === 3 ? e.heads(k3, N!) : k3;
    v = rv === 3 ? e.heads(v3, N!) : v3;
  }
  const scaleAttr = attrOf(n, 'scale')?.f;
  const scale = scaleAttr ? e.float(scaleAttr) : e.op('Reciprocal', [e.op('Sqrt', [e.op('Cast', [e.dims(q, 3, 4)], { to: DataType.FLOAT })])]);
  let scores = e.op('Mul', [e.op('MatMul', [q, e.op('Transpose', [k], { perm: [0, 1, 3, 2] })]), scale]);
  if (attnBias) scores = e.op('Add', [scores, attnBias]);
  if (keyPadding) scores = e.op('Add', [scores, keyMask(g, e, keyPadding, attrOf(n, 'mask_filter_value')?.f ?? -10000, 'key_padding_mask', refuse)]);
  if (attrOf(n, 'unidirectional')?.i) scores = e.op('Add', [scores, e.causal(scores, refuse)]);
  e.merge(e.attend(scores, v), Y);
}
