import * as ort from 'onnxruntime-node';
import { VitValueError } from '@vit/io';
import type { GraphStructure } from './analyzeGraph.js';
import { appendOutputs } from './appendOutputs.js';
import { VitModelError } from './errors.js';
import { TAP_NAMES, type ModelInfo, type TapName, type TapTensor, type TensorLayout } from './types.js';

/** Options of the probe run. */
export interface ProbeOptions {
  /** Input `[h, w]` when the graph's spatial axes are dynamic. */
  imageSize?: readonly [number, number];
}

/**
 * One run at batch 1 (or the static batch) with every candidate tensor exposed settles what
 * structure cannot: `[B,H,T,T]` vs `[B·H,T,T]`, `[B,T,D]` vs `[T,B,D]`, rows summing to 1.
 */
export async function probeGraph(bytes: Uint8Array, s: GraphStructure, fn: string, options: ProbeOptions = {}): Promise<ModelInfo> {
  const g = s.index;
  const dims = s.inputDims;
  if (dims.length !== 4) {
    throw new VitModelError(`${fn}: the pixel input "${s.inputName}" must have rank 4 [B,C,H,W]. Got rank ${dims.length}.`, { code: 'VIT_UNSUPPORTED_GRAPH' });
  }
  const channels = dims[1] ?? 3;
  let h = dims[2];
  let w = dims[3];
  if (h === null || w === null) {
    if (!options.imageSize) {
      throw new VitValueError(`\`imageSize\` of ${fn} is required: the graph's input "${s.inputName}" has dynamic height/width. Pass imageSize: [h, w].`);
    }
    [h, w] = options.imageSize;
  }
  const batch = dims[0];
  const pb = batch ?? 1;
  const names = new Set<string>();
  for (const b of s.blocks) for (const t of TAP_NAMES) names.add(b.tensors[t]);
  const existing = new Set((g.graph.output ?? []).map((o) => o.name));
  const probeBytes = appendOutputs(
    bytes,
    [...names].filter((n) => !existing.has(n)).map((n) => ({ name: n, elemType: g.dtype.get(n) ?? 1 })),
  );
  const x = new Float32Array(pb * channels * h * w);
  let seed = 12345;
  for (let i = 0; i < x.length; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    x[i] = (seed / 4294967296) * 2 - 1;
  }
  const session = await ort.InferenceSession.create(probeBytes, { intraOpNumThreads: 1, graphOptimizationLevel: 'basic' });
  let out: ort.InferenceSession.OnnxValueMapType;
  try {
    // No fetch list: onnxruntime-node 1.23 keys the results of a fetch subset by the wrong names.
    out = await session.run({ [s.inputName]: new ort.Tensor('float32', x, [pb, channels, h, w]) });
  } finally {
    await session.release();
  }
  const shape = (n: string) => (out[n] as ort.Tensor).dims.map(Number);

  // Attention: layout, heads, tokens, rows summing to 1 over the softmax axis = the last one.
  const first = shape(s.blocks[0].tensors.attention);
  const T = first[first.length - 1];
  let heads = 0;
  const attention: TapTensor[] = [];
  for (const [l, b] of s.blocks.entries()) {
    const name = b.tensors.attention;
    const d = shape(name);
    const axis = b.softmaxAxis < 0 ? b.softmaxAxis + d.length : b.softmaxAxis;
    const where = `node "${b.softmax.name ?? name}" (block ${l + 1})`;
    if (axis !== d.length - 1) {
      throw new VitModelError(`${fn}: the attention softmax ${where} runs over axis ${axis} of [${d}], not over the keys (the last axis); re-export attention as softmax(q·kᵀ, dim=-1).`, { code: 'VIT_SOFTMAX_NOT_OVER_KEYS' });
    }
    let layout: TensorLayout;
    let H: number;
    if (d.length === 4 && d[0] === pb && d[2] === d[3]) [layout, H] = ['BHTT', d[1]];
    else if (d.length === 3 && d[0] % pb === 0 && d[1] === d[2]) [layout, H] = ['BH_TT', d[0] / pb];
    else throw new VitModelError(`${fn}: the attention of ${where} has shape [${d}]; expected [B,H,T,T] or [B·H,T,T] with B = ${pb}.`, { code: 'VIT_UNSUPPORTED_GRAPH' });
    if (d[d.length - 1] !== T) throw new VitModelError(`${fn}: block ${l + 1} attends over ${d[d.length - 1]} tokens, block 1 over ${T}.`, { code: 'VIT_UNSUPPORTED_GRAPH' });
    if (l === 0) heads = H;
    else if (H !== heads) throw new VitModelError(`${fn}: block ${l + 1} has ${H} heads, block 1 has ${heads}.`, { code: 'VIT_UNSUPPORTED_GRAPH' });
    const data = (out[name] as ort.Tensor).data as Float32Array;
    for (let r = 0; r < data.length / T; r++) {
      let sum = 0;
      for (let k = 0; k < T; k++) sum += data[r * T + k];
      if (Math.abs(sum - 1) > 1e-3) {
        throw new VitModelError(`${fn}: rows of the attention of ${where} sum to ${sum.toFixed(4)}, not 1; the softmax is not over the keys.`, { code: 'VIT_SOFTMAX_NOT_OVER_KEYS' });
      }
    }
    attention.push({ name, layout });
  }

  // Token tensors: [B,T,D], [T,B,D] or [B·T,D].
  const dim = shape(s.blocks[0].tensors.block).at(-1)!;
  const tokenLayout = (name: string, what: string): TensorLayout => {
    const d = shape(name);
    if (d.length === 3 && d[0] === pb && d[1] === T && d[2] === dim) return 'BTD';
    if (d.length === 3 && d[0] === T && d[1] === pb && d[2] === dim) return 'TBD';
    if (d.length === 2 && d[0] === pb * T && d[1] === dim) return 'BT_D';
    throw new VitModelError(`${fn}: the ${what} tensor "${name}" has shape [${d}]; expected [B,T,D], [T,B,D] or [B·T,D] with B = ${pb}, T = ${T}, D = ${dim}.`, { code: 'VIT_UNSUPPORTED_GRAPH' });
  };
  const tensors = { attention } as Record<TapName, TapTensor[]>;
  for (const tap of TAP_NAMES) {
    if (tap === 'attention') continue;
    tensors[tap] = s.blocks.map((b, l) => ({ name: b.tensors[tap], layout: tokenLayout(b.tensors[tap], `${tap} of block ${l + 1}`) }));
  }

  if (h % s.patch !== 0 || w % s.patch !== 0) {
    throw new VitModelError(`${fn}: input ${h}×${w} is not a multiple of the patch size ${s.patch}.`, { code: 'VIT_UNSUPPORTED_GRAPH' });
  }
  const grid: [number, number] = [h / s.patch, w / s.patch];
  const prefix = T - grid[0] * grid[1];
  if (prefix < 0) {
    throw new VitModelError(`${fn}: attention covers ${T} tokens, fewer than the ${grid[0]}×${grid[1]} patch grid.`, { code: 'VIT_UNSUPPORTED_GRAPH' });
  }
  return {
    layers: s.blocks.length,
    heads,
    dim,
    tokens: T,
    prefixTokens: prefix,
    grid,
    patch: s.patch,
    imageSize: [h, w],
    input: { name: s.inputName, batch, channels },
    fused: false,
    norm: s.norm,
    tensors,
  };
}
