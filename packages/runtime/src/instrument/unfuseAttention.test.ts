import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { DataType, decodeModel, encodeModel, model, node, tensorProto, valueInfo, type AttrValue, type ModelProto, type TensorProto } from '../onnx/proto.js';
import { VitModelError } from './errors.js';
import { unfuseAttention } from './unfuseAttention.js';

type Feed = { name: string; dims: number[]; type?: 'float32' | 'bool' | 'int32' };

function rand(n: number, seed: number): Float32Array {
  const x = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = (s / 4294967296) * 2 - 1;
  }
  return x;
}

const size = (d: number[]) => d.reduce((a, b) => a * b, 1);
const elem = { float32: DataType.FLOAT, bool: DataType.BOOL, int32: DataType.INT32 } as const;

/** One fused node over graph inputs `feeds` (+ initializers), outputs `outs`. */
function fusedModel(op: string, domain: string, inputs: string[], outs: string[], attrs: Record<string, AttrValue>, feeds: Feed[], inits: TensorProto[], opset: number): ModelProto {
  return model(
    {
      name: 'fused',
      node: [node(op, inputs, outs, attrs, { name: 'att', domain })],
      initializer: inits,
      input: feeds.map((f) => valueInfo(f.name, elem[f.type ?? 'float32'], f.dims)),
      output: outs.map((o) => valueInfo(o, DataType.FLOAT)),
    },
    opset,
    domain ? [{ domain, version: 1 }] : [],
  );
}

function feedsOf(feeds: Feed[], masks: Record<string, Uint8Array | Int32Array> = {}): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  feeds.forEach((f, i) => {
    const t = f.type ?? 'float32';
    out[f.name] = t === 'float32' ? new ort.Tensor('float32', rand(size(f.dims), 17 + i), f.dims) : new ort.Tensor(t, masks[f.name], f.dims);
  });
  return out;
}

async function run(m: ModelProto, feeds: Record<string, ort.Tensor>): Promise<Record<string, Float32Array>> {
  const s = await ort.InferenceSession.create(encodeModel(m));
  try {
    const o = await s.run(feeds);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v.data as Float32Array]));
  } finally {
    await s.release();
  }
}

/** Max |fused − unfused| over every output, and the rewritten graph's ops. */
async function compare(m: ModelProto, feeds: Record<string, ort.Tensor>): Promise<{ diff: number; ops: string[] }> {
  const fused = await run(m, feeds);
  const copy = decodeModel(encodeModel(m));
  expect(unfuseAttention(copy, 'test')).toBe(1);
  const unfused = await run(copy, feeds);
  let diff = 0;
  for (const [k, a] of Object.entries(fused)) {
    const b = unfused[k];
    expect(b.length).toBe(a.length);
    for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
    expect([...a].every(Number.isFinite)).toBe(true);
  }
  return { diff, ops: copy.graph!.node!.map((n) => n.opType) };
}

const pattern = (n: number, f: (i: number) => boolean) => Uint8Array.from({ length: n }, (_, i) => (f(i) ? 1 : 0));

describe('unfuseAttention: ONNX Attention (opset 23) equals the fused op in onnxruntime within 1e-5', () => {
  it('4-D Q/K/V [B,H,S,h], default scale 1/√h: Softmax and both MatMuls appear', async () => {
    const feeds: Feed[] = [{ name: 'q', dims: [2, 4, 5, 8] }, { name: 'k', dims: [2, 4, 6, 8] }, { name: 'v', dims: [2, 4, 6, 8] }];
    const m = fusedModel('Attention', '', ['q', 'k', 'v'], ['y'], {}, feeds, [], 23);
    const { diff, ops } = await compare(m, feedsOf(feeds));
    expect(diff).toBeLessThan(1e-5);
    expect(ops).toContain('Softmax');
    expect(ops.filter((o) => o === 'MatMul')).toHaveLength(2);
    expect(ops).not.toContain('Attention');
  });

  it('3-D layout with q_num_heads 4, kv_num_heads 2 (grouped K/V), explicit scale, additive 2-D mask', async () => {
    const feeds: Feed[] = [{ name: 'q', dims: [2, 5, 32] }, { name: 'k', dims: [2, 6, 16] }, { name: 'v', dims: [2, 6, 16] }, { name: 'mask', dims: [5, 6] }];
    const m = fusedModel('Attention', '', ['q', 'k', 'v', 'mask'], ['y'], { q_num_heads: 4, kv_num_heads: 2, scale: 0.3 }, feeds, [], 23);
    expect((await compare(m, feedsOf(feeds))).diff).toBeLessThan(1e-5);
  });

  it('boolean 4-D mask (true = attend) and is_causal on a square score matrix', async () => {
    const feeds: Feed[] = [{ name: 'q', dims: [2, 4, 6, 8] }, { name: 'k', dims: [2, 4, 6, 8] }, { name: 'v', dims: [2, 4, 6, 8] }, { name: 'mask', dims: [2, 1, 6, 6], type: 'bool' }];
    const bool = pattern(72, (i) => i % 6 !== 5 || i < 36);
    const m1 = fusedModel('Attention', '', ['q', 'k', 'v', 'mask'], ['y'], {}, feeds, [], 23);
    expect((await compare(m1, feedsOf(feeds, { mask: bool }))).diff).toBeLessThan(1e-5);
    const m2 = fusedModel('Attention', '', ['q', 'k', 'v'], ['y'], { is_causal: 1 }, feeds.slice(0, 3), [], 23);
    expect((await compare(m2, feedsOf(feeds.slice(0, 3)))).diff).toBeLessThan(1e-5);
    // 5 queries over 6 keys: the causal mask is aligned to the upper left (key j visible to query i when j ≤ i).
    const rect: Feed[] = [{ name: 'q', dims: [1, 2, 5, 4] }, { name: 'k', dims: [1, 2, 6, 4] }, { name: 'v', dims: [1, 2, 6, 4] }];
    const m3 = fusedModel('Attention', '', ['q', 'k', 'v'], ['y'], { is_causal: 1 }, rect, [], 23);
    expect((await compare(m3, feedsOf(rect))).diff).toBeLessThan(1e-5);
  });

  it('past_key/past_value concatenated, present outputs kept', async () => {
    const feeds: Feed[] = [
      { name: 'q', dims: [1, 2, 3, 4] }, { name: 'k', dims: [1, 2, 3, 4] }, { name: 'v', dims: [1, 2, 3, 4] },
      { name: 'pk', dims: [1, 2, 2, 4] }, { name: 'pv', dims: [1, 2, 2, 4] },
    ];
    const m = fusedModel('Attention', '', ['q', 'k', 'v', '', 'pk', 'pv'], ['y', 'presentK', 'presentV'], {}, feeds, [], 23);
    expect((await compare(m, feedsOf(feeds))).diff).toBeLessThan(1e-5);
  });

  it('refuses what it cannot unfuse, naming the node and the reason', () => {
    const feeds: Feed[] = [{ name: 'q', dims: [2, 4, 5, 8] }, { name: 'k', dims: [2, 4, 5, 8] }, { name: 'v', dims: [2, 4, 5, 8] }];
    const m = fusedModel('Attention', '', ['q', 'k', 'v'], ['y', '', '', 'qk'], {}, feeds, [], 23);
    m.graph!.output!.push(valueInfo('qk', DataType.FLOAT));
    expect(() => unfuseAttention(m, 'inspectModel')).toThrow(VitModelError);
    expect(() => unfuseAttention(m, 'inspectModel')).toThrow(/^inspectModel: node "att" \(Attention\) cannot be unfused: its qk_matmul_output is used/);
    const gqa = fusedModel('GroupQueryAttention', 'com.microsoft', ['q', 'k', 'v'], ['y'], { num_heads: 4 }, feeds, [], 17);
    expect(() => unfuseAttention(gqa, 'inspectModel')).toThrow(/node "att" \(com\.microsoft\.GroupQueryAttention\) cannot be unfused: only ONNX Attention/);
  });
});

describe('unfuseAttention: com.microsoft.Attention / MultiHeadAttention equal the fused ops within 1e-5', () => {
  const D = 32;
  const W = tensorProto('W', rand(D * 3 * D, 5).map((x) => x * 0.3), [D, 3 * D]);
  const bias = tensorProto('bias', rand(3 * D, 6).map((x) => x * 0.1), [3 * D]);

  it('Attention: packed QKV weights and bias, num_heads 4', async () => {
    const feeds: Feed[] = [{ name: 'x', dims: [2, 5, D] }];
    const m = fusedModel('Attention', 'com.microsoft', ['x', 'W', 'bias'], ['y'], { num_heads: 4 }, feeds, [W, bias], 17);
    const { diff, ops } = await compare(m, feedsOf(feeds));
    expect(diff).toBeLessThan(1e-5);
    expect(ops).toContain('Softmax');
  });

  it('Attention: attention_bias, a 2-D 0/1 key mask and unidirectional', async () => {
    const feeds: Feed[] = [{ name: 'x', dims: [2, 5, D] }, { name: 'mask', dims: [2, 5], type: 'int32' }, { name: 'ab', dims: [1, 4, 5, 5] }];
    const mask = Int32Array.from({ length: 10 }, (_, i) => (i === 4 || i === 8 ? 0 : 1));
    const m = fusedModel('Attention', 'com.microsoft', ['x', 'W', 'bias', 'mask', '', 'ab'], ['y'], { num_heads: 4 }, feeds, [W, bias], 17);
    expect((await compare(m, feedsOf(feeds, { mask }))).diff).toBeLessThan(1e-5);
    const causal = fusedModel('Attention', 'com.microsoft', ['x', 'W', 'bias'], ['y'], { num_heads: 4, unidirectional: 1, scale: 0.2 }, feeds.slice(0, 1), [W, bias], 17);
    expect((await compare(causal, feedsOf(feeds.slice(0, 1)))).diff).toBeLessThan(1e-5);
  });

  it('MultiHeadAttention: 3-D q/k/v with packed bias, attention_bias and a key padding mask', async () => {
    const feeds: Feed[] = [{ name: 'q', dims: [2, 5, D] }, { name: 'k', dims: [2, 6, D] }, { name: 'v', dims: [2, 6, D] }, { name: 'kpm', dims: [2, 6], type: 'int32' }, { name: 'ab', dims: [2, 4, 5, 6] }];
    const kpm = Int32Array.from({ length: 12 }, (_, i) => (i === 5 || i === 10 ? 0 : 1));
    const m = fusedModel('MultiHeadAttention', 'com.microsoft', ['q', 'k', 'v', 'bias', 'kpm', 'ab'], ['y'], { num_heads: 4 }, feeds, [bias], 17);
    expect((await compare(m, feedsOf(feeds, { kpm }))).diff).toBeLessThan(1e-5);
  });

  it('MultiHeadAttention: 4-D (BNSH) key/value', async () => {
    const bnsh: Feed[] = [{ name: 'q', dims: [2, 5, D] }, { name: 'k', dims: [2, 4, 6, 8] }, { name: 'v', dims: [2, 4, 6, 8] }];
    const m = fusedModel('MultiHeadAttention', 'com.microsoft', ['q', 'k', 'v'], ['y'], { num_heads: 4, scale: 0.25 }, bnsh, [], 17);
    expect((await compare(m, feedsOf(bnsh))).diff).toBeLessThan(1e-5);
  });

  it('MultiHeadAttention: packed QKV [B,S,N,3,h] (no CPU kernel) equals the fused 3-D q/k/v op on the unpacked tensors', async () => {
    const [B, S, N, h] = [2, 5, 4, 8];
    const qkv = rand(B * S * N * 3 * h, 99);
    const parts = [0, 1, 2].map((c) => {
      const t = new Float32Array(B * S * N * h);
      for (let bs = 0; bs < B * S; bs++) for (let n = 0; n < N; n++) for (let j = 0; j < h; j++) t[bs * N * h + n * h + j] = qkv[((bs * N + n) * 3 + c) * h + j];
      return new ort.Tensor('float32', t, [B, S, N * h]);
    });
    const three: Feed[] = ['q', 'k', 'v'].map((name) => ({ name, dims: [B, S, N * h] }));
    const fused = await run(fusedModel('MultiHeadAttention', 'com.microsoft', ['q', 'k', 'v'], ['y'], { num_heads: N }, three, [], 17), { q: parts[0], k: parts[1], v: parts[2] });
    const packed = fusedModel('MultiHeadAttention', 'com.microsoft', ['qkv'], ['y'], { num_heads: N }, [{ name: 'qkv', dims: [B, S, N, 3, h] }], [], 17);
    expect(unfuseAttention(packed, 'test')).toBe(1);
    const unfused = await run(packed, { qkv: new ort.Tensor('float32', qkv, [B, S, N, 3, h]) });
    let diff = 0;
    for (let i = 0; i < fused.y.length; i++) diff = Math.max(diff, Math.abs(fused.y[i] - unfused.y[i]));
    expect(unfused.y.length).toBe(B * S * N * h);
    expect(diff).toBeLessThan(1e-5);
  });
});
