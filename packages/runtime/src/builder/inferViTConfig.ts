import { VitValueError } from '@vit/io';
import { checkpointEntries } from './checkpointEntries.js';
import { resolveConfig } from './resolveViTConfig.js';
import type { CheckpointTensor, ViTConfig, ViTWeights } from './types.js';

/** Options of {@link inferViTConfig}: what tensor shapes cannot tell. */
export interface InferViTConfigOptions {
  /**
   * Attention heads. Shapes fix them only through BEiT's relative position table; otherwise the
   * width decides as in timm's families (192→3, 384→6, 512→8, 768→12, 1024→16, 1280→16 (ViT-H, head
   * width 80), 1408→16, 1664→16) or, for other widths divisible by 64, head width 64.
   * @default inferred as described
   */
  heads?: number;
  /**
   * Input `[h, w]` (or one number) in pixels. Needed for non-square token grids; otherwise the
   * grid is the square one that `pos_embed` (or the relative position table) holds.
   * @default inferred (square grid)
   */
  imageSize?: number | readonly [number, number];
  /** LayerNorm epsilon (shapes cannot tell it; OpenAI CLIP uses 1e-5). @default 1e-6 */
  layerNormEps?: number;
  /** MLP activation (shapes cannot tell it; OpenAI CLIP uses 'quickGelu'). @default 'gelu' */
  mlpAct?: 'gelu' | 'quickGelu';
  /** Pooling. @default 'avg' with `fc_norm` or without CLS token, else 'cls' */
  pool?: 'cls' | 'avg';
  /**
   * Whether `pos_embed` skips the prefix tokens (timm `no_embed_class`); decided from its length
   * when only one reading gives a square grid (or the grid of `imageSize`). When both do, models
   * with registers are read as `true` (timm's register models), others as `false`.
   * @default inferred
   */
  noEmbedClass?: boolean;
}

const TIMM_HEADS: Record<number, number> = { 192: 3, 384: 6, 512: 8, 768: 12, 1024: 16, 1280: 16, 1408: 16, 1664: 16 };

/**
 * Read a ViT config from a checkpoint with timm's parameter names, from tensor shapes alone:
 * width, channels and patch from `patch_embed.proj.weight`; depth from the `blocks.{i}` present;
 * MLP width from `fc1`; CLS, registers, pre-norm, qkv/q-v bias, LayerScale, relative position bias,
 * final norm (`norm` or `fc_norm`), head and biases from which keys exist; the grid from `pos_embed`
 * (or BEiT's relative position table). What shapes cannot tell comes from `options`.
 *
 * @param checkpoint tensors by timm name, e.g. `await readSafetensors('model.safetensors')`.
 * @param options heads, image size, LayerNorm epsilon, activation, pooling (see {@link InferViTConfigOptions}).
 * @returns a complete {@link ViTConfig}; pass it with the checkpoint to `buildViT`.
 * @throws VitValueError `VIT_WEIGHT_MISSING` naming a key the inference needs (`patch_embed.proj.weight`,
 *   `blocks.{i}.mlp.fc1.weight`, a missing block), `VIT_WEIGHT_SHAPE` naming a key of unexpected
 *   rank or length, `VIT_CONFIG` naming the field that cannot be inferred (`heads`, `imageSize`) or
 *   that is inconsistent.
 * @example
 * import { readSafetensors } from '@vit/io';
 * const ckpt = await readSafetensors('vit_small_patch16_224.safetensors');
 * const config = inferViTConfig(ckpt); // { dim: 384, depth: 12, heads: 6, patchSize: [16, 16], imageSize: [224, 224], … }
 */
export function inferViTConfig(checkpoint: ViTWeights, options: InferViTConfigOptions = {}): ViTConfig {
  const fn = 'inferViTConfig';
  const entries = checkpointEntries(checkpoint, fn);
  const has = (k: string) => entries.has(k);
  const shapeOf = (k: string, rank: number, what: string): number[] => {
    const e: CheckpointTensor | undefined = entries.get(k);
    if (!e) throw new VitValueError(`\`checkpoint\` of ${fn} lacks \`${k}\`, needed to read ${what}.`, { code: 'VIT_WEIGHT_MISSING' });
    if (e.tensor.shape.length !== rank) {
      throw new VitValueError(`\`checkpoint['${k}']\` of ${fn} must have rank ${rank} (${what}). Got shape [${e.tensor.shape.join(',')}].`, { code: 'VIT_WEIGHT_SHAPE' });
    }
    return e.tensor.shape;
  };
  const configError = (field: string, msg: string) => new VitValueError(`\`options.${field}\` of ${fn} ${msg}`, { code: 'VIT_CONFIG' });

  const [dim, inChannels, ph, pw] = shapeOf('patch_embed.proj.weight', 4, 'width, channels and patch size [D,C,ph,pw]');
  const blockIds = new Set<number>();
  for (const k of entries.keys()) {
    const m = k.match(/^blocks\.(\d+)\./);
    if (m) blockIds.add(Number(m[1]));
  }
  const depth = blockIds.size;
  if (depth === 0) throw new VitValueError(`\`checkpoint\` of ${fn} has no \`blocks.{i}.*\` keys; is it a timm ViT checkpoint?`, { code: 'VIT_WEIGHT_MISSING' });
  for (let i = 0; i < depth; i++) {
    if (!blockIds.has(i)) {
      throw new VitValueError(`\`checkpoint\` of ${fn} has blocks up to \`blocks.${Math.max(...blockIds)}\` but no \`blocks.${i}.*\`.`, { code: 'VIT_WEIGHT_MISSING' });
    }
  }
  const mlpDim = shapeOf('blocks.0.mlp.fc1.weight', 2, 'the MLP width [hidden,D]')[0];
  const classToken = has('cls_token');
  const registers = has('reg_token') ? shapeOf('reg_token', 3, 'the register tokens [1,R,D]')[1] : 0;
  const prefix = (classToken ? 1 : 0) + registers;
  const qkvBias = has('blocks.0.attn.qkv.bias') ? 'qkv' : has('blocks.0.attn.q_bias') ? 'qv' : 'none';
  const layerScale = has('blocks.0.ls1.gamma') || has('blocks.0.gamma_1');
  const relPosBias = has('blocks.0.attn.relative_position_bias_table');
  const sharedRelPosBias = has('rel_pos_bias.relative_position_bias_table');
  const tableKey = relPosBias ? 'blocks.0.attn.relative_position_bias_table' : 'rel_pos_bias.relative_position_bias_table';
  if (has('norm.weight') && has('fc_norm.weight')) {
    throw new VitValueError(`\`checkpoint\` of ${fn} has both \`norm.weight\` and \`fc_norm.weight\`; a timm ViT has one final norm.`, { code: 'VIT_WEIGHT_UNKNOWN' });
  }
  const finalNorm = has('fc_norm.weight') ? 'pooled' : has('norm.weight') ? 'tokens' : 'none';
  const numClasses = has('head.weight') ? shapeOf('head.weight', 2, 'the classes of the head [K,D]')[0] : 0;

  // Heads: the relative position table fixes them; else options, else timm's width families.
  let heads = options.heads;
  let tableRows: number | undefined;
  if (relPosBias || sharedRelPosBias) {
    const [rows, h] = shapeOf(tableKey, 2, 'the relative position table [R,H]');
    tableRows = rows;
    if (heads !== undefined && heads !== h) throw configError('heads', `is ${heads} but \`${tableKey}\` has ${h} heads.`);
    heads = h;
  }
  if (heads === undefined) {
    heads = TIMM_HEADS[dim] ?? (dim % 64 === 0 ? dim / 64 : undefined);
    if (heads === undefined) throw configError('heads', `is needed: the checkpoint (width ${dim}) does not tell the number of heads. Pass \`heads\`.`);
  }

  // Grid: from imageSize, else from pos_embed / the relative position table, assuming a square grid.
  let imageSize: [number, number] | undefined;
  if (options.imageSize !== undefined) {
    const s = options.imageSize;
    imageSize = typeof s === 'number' ? [s, s] : [s[0], s[1]];
  }
  let noEmbedClass = options.noEmbedClass ?? false;
  const posEmbed = has('pos_embed');
  if (posEmbed) {
    const [one, n, d] = shapeOf('pos_embed', 3, 'the position embedding [1,N,D]');
    if (one !== 1 || d !== dim) {
      throw new VitValueError(`\`checkpoint['pos_embed']\` of ${fn} must have shape [1,N,${dim}]. Got [${one},${n},${d}].`, { code: 'VIT_WEIGHT_SHAPE' });
    }
    const withPrefix = n - prefix; // patches when the prefix tokens are embedded
    if (imageSize) {
      const patches = (imageSize[0] / ph) * (imageSize[1] / pw);
      const fits = (nec: boolean) => (nec ? n : withPrefix) === patches;
      if (options.noEmbedClass === undefined) {
        if (!fits(false) && !fits(true)) {
          throw new VitValueError(`\`checkpoint['pos_embed']\` of ${fn} has ${n} rows, but \`options.imageSize\` ${imageSize.join('×')} with patch ${ph}×${pw} gives ${patches} patches and ${prefix} prefix tokens.`, { code: 'VIT_WEIGHT_SHAPE' });
        }
        noEmbedClass = fits(false) && fits(true) ? registers > 0 : fits(true);
      }
    } else {
      const squareOf = (m: number) => (m > 0 && Number.isInteger(Math.sqrt(m)) ? Math.sqrt(m) : undefined);
      const gEmbed = squareOf(withPrefix);
      const gNo = prefix > 0 ? squareOf(n) : undefined;
      if (options.noEmbedClass === undefined) {
        if (gEmbed === undefined && gNo === undefined) {
          throw configError('imageSize', `is needed: \`pos_embed\` has ${n} rows, which is not ${prefix ? `${prefix} prefix tokens + ` : ''}a square grid. Pass imageSize: [h, w].`);
        }
        noEmbedClass = gEmbed !== undefined && gNo !== undefined ? registers > 0 : gNo !== undefined;
      }
      const g = noEmbedClass ? squareOf(n) : gEmbed;
      if (g === undefined) throw configError('imageSize', `is needed: \`pos_embed\` has ${n} rows, not a square grid with noEmbedClass ${noEmbedClass}. Pass imageSize: [h, w].`);
      imageSize = [g * ph, g * pw];
    }
  } else if (!imageSize && tableRows !== undefined) {
    const g = (Math.sqrt(tableRows - 3) + 1) / 2;
    if (!Number.isInteger(g)) throw configError('imageSize', `is needed: the relative position table has ${tableRows} rows, not a square grid. Pass imageSize: [h, w].`);
    imageSize = [g * ph, g * pw];
  }
  if (!imageSize) throw configError('imageSize', 'is needed: the checkpoint has neither `pos_embed` nor a relative position table. Pass imageSize: [h, w].');

  const config: ViTConfig = {
    imageSize,
    patchSize: [ph, pw],
    dim,
    depth,
    heads,
    mlpDim,
    mlpAct: options.mlpAct ?? 'gelu',
    inChannels,
    classToken,
    registers,
    posEmbed: posEmbed ? 'learned' : 'none',
    noEmbedClass: posEmbed ? noEmbedClass : false,
    preNorm: has('norm_pre.weight'),
    qkvBias,
    layerScale,
    relPosBias,
    sharedRelPosBias,
    finalNorm,
    pool: options.pool ?? (finalNorm === 'pooled' || !classToken ? 'avg' : 'cls'),
    numClasses,
    patchBias: has('patch_embed.proj.bias'),
    headBias: numClasses > 0 ? has('head.bias') : true,
    layerNormEps: options.layerNormEps ?? 1e-6,
  };
  resolveConfig(config, fn);
  return config;
}
