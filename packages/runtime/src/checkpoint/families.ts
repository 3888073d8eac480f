/**
 * Naming schemes → the builder's (timm's) names. Each family renames keys by rules, marks keys it
 * does not use with a reason, and gives the config hints its release fixes. Internal.
 */
import type { CheckpointTensor, ViTConfig } from '../builder/types.js';
import type { CheckpointFamily } from './types.js';

/** A rule: a key pattern and the timm name it becomes (`$1` … from the pattern), or `null` = ignored with `reason`. */
export interface Rule {
  re: RegExp;
  to: string | null;
  reason?: string;
}

/** What a family's mapping produced. */
export interface Mapped {
  weights: Map<string, CheckpointTensor>;
  sources: Map<string, string>;
  ignored: { key: string; reason: string }[];
  /** Keys no rule matched. */
  unknown: string[];
}

const W = '(weight|bias)';
const NUM = '(\\d+)';

/** timm's own names: every builder parameter. */
export const TIMM_NAME = new RegExp(
  '^(cls_token|reg_token|pos_embed|patch_embed\\.proj\\.' + W + '|norm_pre\\.' + W + '|norm\\.' + W + '|fc_norm\\.' + W + '|head\\.' + W +
    '|rel_pos_bias\\.relative_position_(bias_table|index)' +
    '|blocks\\.\\d+\\.(norm1|norm2)\\.' + W +
    '|blocks\\.\\d+\\.attn\\.(qkv\\.' + W + '|q_bias|v_bias|proj\\.' + W + '|relative_position_(bias_table|index))' +
    '|blocks\\.\\d+\\.mlp\\.(fc1|fc2)\\.' + W +
    '|blocks\\.\\d+\\.(ls1\\.gamma|ls2\\.gamma|gamma_1|gamma_2))$',
);

const identity: Rule[] = [{ re: TIMM_NAME, to: '$&' }];

/** Hugging Face ViT / DeiT / DINOv2 / BEiT / ViTMAE names (transformers' saved files), under prefix `p` (e.g. `vit.`). */
function hfRules(p: string, family: CheckpointFamily): Rule[] {
  const P = p.replace(/\./g, '\\.');
  const L = `^${P}encoder\\.layer\\.${NUM}\\.`;
  const rules: Rule[] = [
    { re: new RegExp(`^${P}embeddings\\.cls_token$`), to: 'cls_token' },
    { re: new RegExp(`^${P}embeddings\\.distillation_token$`), to: 'reg_token' },
    { re: new RegExp(`^${P}embeddings\\.register_tokens$`), to: 'register_tokens' },
    { re: new RegExp(`^${P}embeddings\\.mask_token$`), to: null, reason: 'mask token of masked-image pretraining (unused when no patch is masked)' },
    { re: new RegExp(`^${P}embeddings\\.position_embeddings$`), to: 'pos_embed' },
    { re: new RegExp(`^${P}embeddings\\.patch_embeddings\\.projection\\.${W}$`), to: 'patch_embed.proj.$1' },
    { re: new RegExp(`${L}(?:layernorm_before|norm1)\\.${W}$`), to: 'blocks.$1.norm1.$2' },
    { re: new RegExp(`${L}(?:layernorm_after|norm2)\\.${W}$`), to: 'blocks.$1.norm2.$2' },
    { re: new RegExp(`${L}attention\\.attention\\.(query|key|value)\\.${W}$`), to: 'blocks.$1.attn.$2.$3' },
    { re: new RegExp(`${L}attention\\.attention\\.relative_position_bias\\.relative_position_(bias_table|index)$`), to: 'blocks.$1.attn.relative_position_$2' },
    { re: new RegExp(`${L}attention\\.output\\.dense\\.${W}$`), to: 'blocks.$1.attn.proj.$2' },
    { re: new RegExp(`${L}intermediate\\.dense\\.${W}$`), to: 'blocks.$1.mlp.fc1.$2' },
    { re: new RegExp(`${L}output\\.dense\\.${W}$`), to: 'blocks.$1.mlp.fc2.$2' },
    { re: new RegExp(`${L}mlp\\.(fc1|fc2)\\.${W}$`), to: 'blocks.$1.mlp.$2.$3' },
    { re: new RegExp(`${L}layer_scale(1|2)\\.lambda1$`), to: 'blocks.$1.ls$2.gamma' },
    { re: new RegExp(`${L}lambda_(1|2)$`), to: 'blocks.$1.ls$2.gamma' },
    { re: new RegExp(`^${P}encoder\\.relative_position_bias\\.relative_position_(bias_table|index)$`), to: 'rel_pos_bias.relative_position_$1' },
    { re: new RegExp(`^(?:${P})?layernorm\\.${W}$`), to: 'norm.$1' },
    { re: new RegExp(`^${P}pooler\\.layernorm\\.${W}$`), to: 'fc_norm.$1' },
    { re: new RegExp(`^${P}pooler\\.dense\\.${W}$`), to: null, reason: "the pooler (dense + tanh on the CLS token) of transformers' ViTModel, not part of the ViT's representation" },
    { re: /^(cls_classifier|distillation_classifier)\.(weight|bias)$/, to: null, reason: "DeiT's distilled head averages two classifiers (CLS and distillation token); the built model outputs features" },
    { re: /^decoder\./, to: null, reason: 'MAE decoder (pretraining only)' },
    { re: /^lm_head\./, to: null, reason: "BEiT's masked-image-modeling head (pretraining only)" },
  ];
  if (family === 'hf-dinov2') rules.push({ re: /^classifier\./, to: null, reason: "Dinov2ForImageClassification's head reads CLS and mean patch tokens together; the built model outputs features" });
  else rules.push({ re: new RegExp(`^classifier\\.${W}$`), to: 'head.$1' });
  return rules;
}

/** Hugging Face CLIP vision tower (`vision_model.` in CLIPModel files, bare in CLIPVisionModel ones). */
function hfClipRules(p: string): Rule[] {
  const P = p.replace(/\./g, '\\.');
  const L = `^${P}encoder\\.layers\\.${NUM}\\.`;
  return [
    { re: new RegExp(`^${P}embeddings\\.class_embedding$`), to: 'class_embedding' },
    { re: new RegExp(`^${P}embeddings\\.patch_embedding\\.weight$`), to: 'patch_embed.proj.weight' },
    { re: new RegExp(`^${P}embeddings\\.position_embedding\\.weight$`), to: 'positional_embedding' },
    { re: new RegExp(`^${P}embeddings\\.position_ids$`), to: null, reason: 'position ids buffer (0 … T−1), not a weight' },
    { re: new RegExp(`^${P}pre_layrnorm\\.${W}$`), to: 'norm_pre.$1' },
    { re: new RegExp(`${L}layer_norm(1|2)\\.${W}$`), to: 'blocks.$1.norm$2.$3' },
    { re: new RegExp(`${L}self_attn\\.(q|k|v)_proj\\.${W}$`), to: 'blocks.$1.attn.$2.$3' },
    { re: new RegExp(`${L}self_attn\\.out_proj\\.${W}$`), to: 'blocks.$1.attn.proj.$2' },
    { re: new RegExp(`${L}mlp\\.(fc1|fc2)\\.${W}$`), to: 'blocks.$1.mlp.$2.$3' },
    { re: new RegExp(`^${P}post_layernorm\\.${W}$`), to: 'norm.$1' },
    { re: /^visual_projection\.weight$/, to: 'head.weight' },
    { re: /^(text_model\.|text_projection\.|logit_scale$)/, to: null, reason: 'CLIP text tower' },
  ];
}

/** OpenAI CLIP and OpenCLIP (`visual.*`). */
const clipRules: Rule[] = [
  { re: /^visual\.conv1\.weight$/, to: 'patch_embed.proj.weight' },
  { re: /^visual\.class_embedding$/, to: 'class_embedding' },
  { re: /^visual\.positional_embedding$/, to: 'positional_embedding' },
  { re: /^visual\.ln_pre\.(weight|bias)$/, to: 'norm_pre.$1' },
  { re: /^visual\.transformer\.resblocks\.(\d+)\.ln_(1|2)\.(weight|bias)$/, to: 'blocks.$1.norm$2.$3' },
  { re: /^visual\.transformer\.resblocks\.(\d+)\.attn\.in_proj_(weight|bias)$/, to: 'blocks.$1.attn.qkv.$2' },
  { re: /^visual\.transformer\.resblocks\.(\d+)\.attn\.out_proj\.(weight|bias)$/, to: 'blocks.$1.attn.proj.$2' },
  { re: /^visual\.transformer\.resblocks\.(\d+)\.mlp\.c_fc\.(weight|bias)$/, to: 'blocks.$1.mlp.fc1.$2' },
  { re: /^visual\.transformer\.resblocks\.(\d+)\.mlp\.c_proj\.(weight|bias)$/, to: 'blocks.$1.mlp.fc2.$2' },
  { re: /^visual\.transformer\.resblocks\.(\d+)\.ls_(1|2)\.gamma$/, to: 'blocks.$1.ls$2.gamma' },
  { re: /^visual\.ln_post\.(weight|bias)$/, to: 'norm.$1' },
  { re: /^visual\.proj$/, to: 'proj' },
  { re: /^(transformer\.|token_embedding\.|positional_embedding$|ln_final\.|text_projection$|logit_scale$|attn_mask$)/, to: null, reason: 'CLIP text tower' },
  { re: /^(input_resolution|context_length|vocab_size)$/, to: null, reason: "OpenAI CLIP's model constants (input size, text length, vocabulary)" },
];

/** The rules of a family (keys already stripped of DDP's `module.` and DINO's `backbone.`). */
export function familyRules(family: CheckpointFamily, hfPrefix: string): Rule[] {
  switch (family) {
    case 'timm':
      return identity;
    case 'dino':
      return [...identity, { re: /^head\./, to: null, reason: 'DINO projection head (training only; DINO evaluates the backbone)' }];
    case 'mocov3':
      return [
        { re: /^momentum_encoder\./, to: null, reason: 'MoCo v3 momentum encoder (a moving average of the base encoder)' },
        { re: /^predictor\./, to: null, reason: 'MoCo v3 predictor MLP (training only)' },
        { re: /^base_encoder\.head\./, to: null, reason: 'MoCo v3 projection MLP (training only)' },
        { re: /^base_encoder\.(.*)$/, to: '$1' },
        ...identity,
      ];
    case 'mae':
      return [
        ...identity,
        { re: /^mask_token$/, to: null, reason: 'MAE mask token (pretraining only)' },
        { re: /^decoder_/, to: null, reason: 'MAE decoder (pretraining only)' },
      ];
    case 'beit':
      return [
        ...identity,
        { re: /^mask_token$/, to: null, reason: 'BEiT mask token (pretraining only)' },
        { re: /^lm_head\./, to: null, reason: "BEiT's masked-image-modeling head (pretraining only)" },
      ];
    case 'dinov2':
      return [
        ...identity,
        { re: /^register_tokens$/, to: 'register_tokens' },
        { re: /^mask_token$/, to: null, reason: 'DINOv2 mask token (iBOT pretraining only)' },
      ];
    case 'clip':
      return clipRules;
    case 'hf-clip':
      return hfClipRules(hfPrefix);
    default:
      return hfRules(hfPrefix, family);
  }
}

/** Apply rules: first match wins. */
export function applyRules(entries: Map<string, CheckpointTensor>, rules: Rule[]): Mapped {
  const out: Mapped = { weights: new Map(), sources: new Map(), ignored: [], unknown: [] };
  for (const [key, t] of entries) {
    const rule = rules.find((r) => r.re.test(key));
    if (!rule) {
      out.unknown.push(key);
      continue;
    }
    if (rule.to === null) {
      out.ignored.push({ key, reason: rule.reason ?? 'not used' });
      continue;
    }
    const name = key.replace(rule.re, rule.to);
    if (out.weights.has(name)) {
      out.unknown.push(key); // a second key for the same weight
      continue;
    }
    out.weights.set(name, t);
    out.sources.set(name, key);
  }
  return out;
}

/** What a config.json / args / arch tell, as builder config fields. */
export type Hints = Partial<ViTConfig>;
