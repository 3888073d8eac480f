import { relPosTableRows } from './relativePositionIndex.js';
import type { ResolvedViTConfig } from './types.js';

/** How {@link randomViTWeights} initialises a parameter (timm's `VisionTransformer.init_weights`). */
export type InitKind = 'trunc02' | 'tiny' | 'zeros' | 'ones' | 'convWeight' | 'convBias' | 'layerScale' | 'relPosIndex';

/** One parameter a config needs. Internal. */
export interface ParamSpec {
  /** timm's name (the one random weights use). */
  name: string;
  /** Other accepted names (BEiT's `gamma_1` for `ls1.gamma`). */
  aliases: string[];
  shape: number[];
  /** `float` tensors are read as float32; `index` tensors must be integers. */
  kind: 'float' | 'index';
  /** May be absent from a checkpoint (the relative position index is generated then). */
  optional: boolean;
  init: InitKind;
  /** Fan-in of the patch Conv, for its PyTorch-default init. */
  fanIn?: number;
}

/** The parameters of a config, by timm name, in a fixed order. Internal. */
export function vitParameters(c: ResolvedViTConfig): ParamSpec[] {
  const D = c.dim;
  const out: ParamSpec[] = [];
  const add = (name: string, shape: number[], init: InitKind, extra: Partial<ParamSpec> = {}) =>
    out.push({ name, shape, init, aliases: [], kind: 'float', optional: false, ...extra });
  const norm = (prefix: string) => {
    add(`${prefix}.weight`, [D], 'ones');
    add(`${prefix}.bias`, [D], 'zeros');
  };
  const fanIn = c.inChannels * c.patchSize[0] * c.patchSize[1];
  add('patch_embed.proj.weight', [D, c.inChannels, c.patchSize[0], c.patchSize[1]], 'convWeight', { fanIn });
  if (c.patchBias) add('patch_embed.proj.bias', [D], 'convBias', { fanIn });
  if (c.classToken) add('cls_token', [1, 1, D], 'tiny');
  if (c.registers > 0) add('reg_token', [1, c.registers, D], 'tiny');
  if (c.posEmbed === 'learned') add('pos_embed', [1, posEmbedLength(c), D], 'trunc02');
  if (c.preNorm) norm('norm_pre');
  if (c.sharedRelPosBias) {
    add('rel_pos_bias.relative_position_bias_table', [relPosTableRows(c.grid), c.heads], 'trunc02');
    add('rel_pos_bias.relative_position_index', [c.tokens, c.tokens], 'relPosIndex', { kind: 'index', optional: true });
  }
  for (let i = 0; i < c.depth; i++) {
    const b = `blocks.${i}`;
    norm(`${b}.norm1`);
    add(`${b}.attn.qkv.weight`, [3 * D, D], 'trunc02');
    if (c.qkvBias === 'qkv') add(`${b}.attn.qkv.bias`, [3 * D], 'zeros');
    if (c.qkvBias === 'qv') {
      add(`${b}.attn.q_bias`, [D], 'zeros');
      add(`${b}.attn.v_bias`, [D], 'zeros');
    }
    if (c.relPosBias) {
      add(`${b}.attn.relative_position_bias_table`, [relPosTableRows(c.grid), c.heads], 'trunc02');
      add(`${b}.attn.relative_position_index`, [c.tokens, c.tokens], 'relPosIndex', { kind: 'index', optional: true });
    }
    add(`${b}.attn.proj.weight`, [D, D], 'trunc02');
    add(`${b}.attn.proj.bias`, [D], 'zeros');
    if (c.layerScale) add(`${b}.ls1.gamma`, [D], 'layerScale', { aliases: [`${b}.gamma_1`] });
    norm(`${b}.norm2`);
    add(`${b}.mlp.fc1.weight`, [c.mlpDim, D], 'trunc02');
    add(`${b}.mlp.fc1.bias`, [c.mlpDim], 'zeros');
    add(`${b}.mlp.fc2.weight`, [D, c.mlpDim], 'trunc02');
    add(`${b}.mlp.fc2.bias`, [D], 'zeros');
    if (c.layerScale) add(`${b}.ls2.gamma`, [D], 'layerScale', { aliases: [`${b}.gamma_2`] });
  }
  if (c.finalNorm === 'tokens') norm('norm');
  if (c.finalNorm === 'pooled') norm('fc_norm');
  if (c.numClasses > 0) {
    add('head.weight', [c.numClasses, D], 'trunc02');
    if (c.headBias) add('head.bias', [c.numClasses], 'zeros');
  }
  return out;
}

/** Rows of `pos_embed`: the patch tokens, plus the prefix tokens unless `noEmbedClass`. */
function posEmbedLength(c: ResolvedViTConfig): number {
  return (c.noEmbedClass ? 0 : c.prefixTokens) + c.grid[0] * c.grid[1];
}
