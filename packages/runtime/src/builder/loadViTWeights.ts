import { VitValueError, type Tensor, type TypedArray } from '@vit/io';
import { checkpointEntries } from './checkpointEntries.js';
import type { ResolvedViTConfig, ViTWeights } from './types.js';
import { relPosTableRows } from './relativePositionIndex.js';
import { vitParameters, type ParamSpec } from './vitParameters.js';

/** Checked weights, C-order, by timm name (aliases resolved). Internal. */
export interface LoadedWeights {
  floats: Map<string, Float32Array>;
  /** Relative position indices `[T,T]` by parameter name, when given. */
  indices: Map<string, Int32Array>;
}

const FLOAT_DTYPES = new Set(['F32', 'F16', 'BF16', 'F64']);
const INT_DTYPES = new Set(['I64', 'I32', 'I16', 'I8', 'U64', 'U32', 'U16', 'U8']);

/**
 * Check a checkpoint against a config and return its tensors as float32 (index tensors as int32).
 * @throws VitValueError naming the key: missing, unknown (when `strict`), wrong shape, wrong dtype, non-finite.
 */
export function loadViTWeights(c: ResolvedViTConfig, weights: ViTWeights, fn: string, strict: boolean): LoadedWeights {
  const entries = checkpointEntries(weights, fn);
  const used = new Set<string>();
  const floats = new Map<string, Float32Array>();
  const indices = new Map<string, Int32Array>();
  for (const p of vitParameters(c)) {
    const present = [p.name, ...p.aliases].filter((n) => entries.has(n));
    if (present.length > 1) {
      throw new VitValueError(`\`weights\` of ${fn} has both ${present.map((n) => `\`${n}\``).join(' and ')}; keep one.`, { code: 'VIT_WEIGHT_UNKNOWN' });
    }
    if (present.length === 0) {
      if (p.optional) continue;
      throw new VitValueError(`\`weights\` of ${fn} lacks \`${p.name}\` (shape [${p.shape.join(',')}]), which the config needs${missingHint(p, c, entries)}.`, { code: 'VIT_WEIGHT_MISSING' });
    }
    const key = present[0];
    used.add(key);
    const { tensor: t, dtype } = entries.get(key)!;
    const want = p.shape;
    if (t.shape.length !== want.length || t.shape.some((s, i) => s !== want[i])) {
      throw new VitValueError(`\`weights['${key}']\` of ${fn} has shape [${t.shape.join(',')}]; the config needs [${want.join(',')}]${shapeHint(p, c)}.`, { code: 'VIT_WEIGHT_SHAPE' });
    }
    if (p.kind === 'float') {
      if (!FLOAT_DTYPES.has(dtype)) {
        throw new VitValueError(`\`weights['${key}']\` of ${fn} has dtype ${dtype}; expected a float dtype (F32, F16, BF16 or F64).`, { code: 'VIT_WEIGHT_DTYPE' });
      }
      const a = denseFloat32(t);
      for (let i = 0; i < a.length; i++) {
        if (!Number.isFinite(a[i])) {
          throw new VitValueError(`\`weights['${key}']\` of ${fn} holds ${a[i]} at flat index ${i}; weights must be finite.`, { code: 'VIT_WEIGHT_VALUE' });
        }
      }
      floats.set(p.name, a);
    } else {
      if (!INT_DTYPES.has(dtype)) {
        throw new VitValueError(`\`weights['${key}']\` of ${fn} has dtype ${dtype}; expected an integer dtype (I64, I32, …).`, { code: 'VIT_WEIGHT_DTYPE' });
      }
      const a = denseNumbers(t);
      const rows = relPosTableRows(c.grid);
      for (let i = 0; i < a.length; i++) {
        if (!(Number.isInteger(a[i]) && a[i] >= 0 && a[i] < rows)) {
          throw new VitValueError(`\`weights['${key}']\` of ${fn} must hold row numbers of the relative position table in [0, ${rows}). Got ${a[i]} at flat index ${i}.`, { code: 'VIT_WEIGHT_VALUE' });
        }
      }
      indices.set(p.name, Int32Array.from(a));
    }
  }
  if (strict) {
    const unknown = [...entries.keys()].filter((k) => !used.has(k));
    if (unknown.length) {
      const shown = unknown.slice(0, 4).map((k) => `\`${k}\``).join(', ') + (unknown.length > 4 ? ` and ${unknown.length - 4} more` : '');
      throw new VitValueError(`\`weights\` of ${fn} has ${unknown.length === 1 ? 'a key' : 'keys'} the config does not use: ${shown}${unknownHint(unknown[0], c)}.`, { code: 'VIT_WEIGHT_UNKNOWN' });
    }
  }
  return { floats, indices };
}

function missingHint(p: ParamSpec, c: ResolvedViTConfig, entries: Map<string, unknown>): string {
  const b = p.name.match(/^blocks\.(\d+)\./)?.[1];
  if (b !== undefined && ![...entries.keys()].some((k) => k.startsWith(`blocks.${b}.`))) {
    const depth = new Set([...entries.keys()].map((k) => k.match(/^blocks\.(\d+)\./)?.[1]).filter((x) => x !== undefined)).size;
    return ` (the checkpoint has ${depth} blocks; set \`config.depth\` to ${depth})`;
  }
  if (p.name.endsWith('.attn.qkv.bias') && entries.has(p.name.replace('qkv.bias', 'q_bias'))) return " (the checkpoint has BEiT's q_bias/v_bias: set `config.qkvBias` to 'qv')";
  if (p.name.endsWith('.attn.q_bias') && entries.has(p.name.replace('q_bias', 'qkv.bias'))) return " (the checkpoint has a full qkv.bias: set `config.qkvBias` to 'qkv')";
  if (p.name === 'norm.weight' && entries.has('fc_norm.weight')) return " (the checkpoint has fc_norm: set `config.finalNorm` to 'pooled')";
  if (p.name === 'fc_norm.weight' && entries.has('norm.weight')) return " (the checkpoint has norm: set `config.finalNorm` to 'tokens')";
  if (p.name.startsWith('head.')) return ` (\`config.numClasses\` is ${c.numClasses}; set it to 0 for a model without head)`;
  return ' (inferViTConfig reads the config from a checkpoint)';
}

function shapeHint(p: ParamSpec, c: ResolvedViTConfig): string {
  if (p.name === 'pos_embed') {
    return ` (${c.noEmbedClass ? '' : `${c.prefixTokens} prefix + `}${c.grid[0]}×${c.grid[1]} patches for \`config.imageSize\` ${c.imageSize.join('×')}, \`config.patchSize\` ${c.patchSize.join('×')}, \`config.noEmbedClass\` ${c.noEmbedClass})`;
  }
  if (p.name === 'reg_token') return ` (\`config.registers\` is ${c.registers})`;
  if (p.name.endsWith('relative_position_bias_table')) return ` (grid ${c.grid.join('×')}, \`config.heads\` ${c.heads})`;
  if (p.name.endsWith('relative_position_index')) return ` (T = ${c.prefixTokens} + ${c.grid[0]}·${c.grid[1]})`;
  if (p.name.startsWith('patch_embed')) return ` (\`config.dim\` ${c.dim}, \`config.inChannels\` ${c.inChannels}, \`config.patchSize\` ${c.patchSize.join('×')})`;
  if (p.name.includes('.mlp.')) return ` (\`config.dim\` ${c.dim}, \`config.mlpDim\` ${c.mlpDim})`;
  if (p.name.startsWith('head.')) return ` (\`config.numClasses\` ${c.numClasses}, \`config.dim\` ${c.dim})`;
  return ` (\`config.dim\` ${c.dim})`;
}

function unknownHint(key: string, c: ResolvedViTConfig): string {
  const b = key.match(/^blocks\.(\d+)\./)?.[1];
  if (b !== undefined && Number(b) >= c.depth) return ` (\`config.depth\` is ${c.depth})`;
  const rules: [RegExp, string][] = [
    [/^head\./, `\`config.numClasses\` is ${c.numClasses}`],
    [/^fc_norm\./, "set `config.finalNorm` to 'pooled'"],
    [/^norm\./, "set `config.finalNorm` to 'tokens'"],
    [/^norm_pre\./, 'set `config.preNorm` to true'],
    [/^reg_token$/, `\`config.registers\` is ${c.registers}`],
    [/^cls_token$/, 'set `config.classToken` to true'],
    [/^pos_embed$/, "set `config.posEmbed` to 'learned'"],
    [/\.(ls\d\.gamma|gamma_\d)$/, 'set `config.layerScale` to true'],
    [/\.attn\.(q_bias|v_bias)$/, "set `config.qkvBias` to 'qv'"],
    [/\.attn\.qkv\.bias$/, "set `config.qkvBias` to 'qkv'"],
    [/^rel_pos_bias\./, 'set `config.sharedRelPosBias` to true'],
    [/\.relative_position_(bias_table|index)$/, 'set `config.relPosBias` to true'],
    [/^patch_embed\.proj\.bias$/, 'set `config.patchBias` to true'],
    [/^(mask_token|decoder|lm_head|fc_norm_decoder)/, 'pretraining-only weights such as a mask token or a decoder are not used at inference; pass strict: false'],
  ];
  for (const [re, hint] of rules) if (re.test(key)) return hint.endsWith('strict: false') ? ` (${hint})` : ` (${hint}, or pass strict: false to ignore extra keys)`;
  return ' (pass strict: false to ignore extra keys)';
}

/** Visit a tensor's elements in C order (handles any strides and offset). */
function forEachC(t: Tensor<TypedArray>, visit: (i: number, flat: number) => void): void {
  const shape = t.shape;
  const stride = t.stride;
  const n = shape.reduce((a, b) => a * b, 1);
  if (n === 0) return;
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  let flat = t.offset;
  for (let i = 0; i < n; i++) {
    visit(i, flat);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      flat += stride[d];
      if (idx[d] < shape[d]) break;
      flat -= stride[d] * shape[d];
      idx[d] = 0;
    }
  }
}

function isCContiguous(t: Tensor<TypedArray>): boolean {
  let expect = 1;
  for (let d = t.shape.length - 1; d >= 0; d--) {
    if (t.shape[d] !== 1 && t.stride[d] !== expect) return false;
    expect *= t.shape[d];
  }
  return true;
}

function denseFloat32(t: Tensor<TypedArray>): Float32Array {
  const n = t.shape.reduce((a, b) => a * b, 1);
  const data = t.data;
  if (isCContiguous(t) && data instanceof Float32Array) return data.subarray(t.offset, t.offset + n); // read only: no copy
  if (isCContiguous(t) && data instanceof Float64Array) return new Float32Array(data.subarray(t.offset, t.offset + n));
  const src = data as unknown as ArrayLike<number | bigint>;
  const out = new Float32Array(n);
  forEachC(t, (i, flat) => (out[i] = Number(src[flat])));
  return out;
}

function denseNumbers(t: Tensor<TypedArray>): Float64Array {
  const n = t.shape.reduce((a, b) => a * b, 1);
  const src = t.data as unknown as ArrayLike<number | bigint>;
  const out = new Float64Array(n);
  forEachC(t, (i, flat) => (out[i] = Number(src[flat])));
  return out;
}
