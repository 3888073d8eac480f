import { VitIoError, isTorchTensor, type PickleValue, type Tensor, type TypedArray, type VitErrorCode } from '@vit/io';
import { inferViTConfig } from '../builder/inferViTConfig.js';
import { resolveConfig } from '../builder/resolveViTConfig.js';
import type { CheckpointTensor, ViTConfig } from '../builder/types.js';
import { vitParameters } from '../builder/vitParameters.js';
import { applyRules, familyRules, type Hints } from './families.js';
import { familyPreprocessing, hfPreprocessing, openClipPreprocessing, timmPreprocessing } from './familyPreprocessing.js';
import { added, concatRows, reshaped, sliceTokens, transposed } from './tensorOps.js';
import type { CheckpointFamily, CheckpointPreprocessing, IgnoredKey, LoadCheckpointOptions, LoadedCheckpoint } from './types.js';

/** Options of {@link convertCheckpoint}: those of {@link loadCheckpoint} (`configFile` is read by `loadCheckpoint` only). */
export type ConvertCheckpointOptions = LoadCheckpointOptions;

/** A checkpoint already read into memory: what {@link convertCheckpoint} maps. */
export interface CheckpointSource {
  /** The saved object (`parseTorchCheckpoint(…).value`), or tensors by name (`parseSafetensors(…).tensors`). */
  value: PickleValue | Readonly<Record<string, CheckpointTensor>>;
  /** How the weights were stored. */
  format: 'torch' | 'torchscript' | 'safetensors';
  /** The weights file, named in errors and in the result. */
  file: string;
  /** A side `config.json` (Hugging Face, timm) or `open_clip_config.json`, parsed. @default undefined */
  config?: Record<string, unknown>;
  /** Hugging Face `preprocessor_config.json`, parsed. @default undefined */
  preprocessorConfig?: Record<string, unknown>;
  /** Side files read (named in the result). @default [] */
  sideFiles?: string[];
}

export const FAMILIES: readonly CheckpointFamily[] = ['timm', 'dino', 'mocov3', 'mae', 'beit', 'clip', 'dinov2', 'hf-vit', 'hf-deit', 'hf-dinov2', 'hf-clip', 'hf-beit', 'hf-vitmae'];
/** Widths whose heads timm's ViT families fix (inferViTConfig's table); other widths get head width 64. */
const FAMILY_WIDTHS = new Set([192, 384, 512, 768, 1024, 1280, 1408, 1664]);
const NESTINGS = ['teacher', 'state_dict', 'model', 'module', 'model_state', 'network', 'net'];
const TOP_REASONS: Record<string, string> = {
  student: "DINO's student network (the teacher is read, as DINO's evaluation does; pass checkpointKey 'student' for this one)",
  teacher: "DINO's teacher network (pass checkpointKey 'teacher' for this one)",
  optimizer: 'optimizer state (training only)',
  scaler: 'mixed-precision loss scaler (training only)',
  args: 'training arguments (read for the config)',
  dino_loss: "DINO's loss state (the centre of the teacher outputs)",
  epoch: 'training epoch',
  arch: 'architecture name (read for the config)',
  model_ema: 'an exponential moving average copy of the weights (pass checkpointKey to read it instead)',
};

type Entries = Map<string, CheckpointTensor>;

/**
 * Map an in-memory checkpoint of any supported naming scheme onto the builder's (timm's) names:
 * detect the family from the keys (and the side config), select the network (DINO's teacher by
 * default), drop what the ViT does not use (decoders, projection heads, momentum encoders, text
 * towers, mask tokens, optimizer state) with the reason, read the config from the side config,
 * the checkpoint's `args` / `arch` and the tensor shapes, and check every weight against it.
 * {@link loadCheckpoint} reads the files and calls this.
 *
 * @param source The saved object, its format, its file name and side configs.
 * @param options Family, checkpoint key, config overrides (see {@link LoadCheckpointOptions}).
 * @returns family, config, timm-named weights, ignored keys with reasons, the family's preprocessing.
 * @throws VitIoError naming the file and the key: `VIT_WEIGHT_UNKNOWN` (unrecognised naming — the
 *   first keys and the families tried —, a CNN, unsupported parts), `VIT_WEIGHT_MISSING`,
 *   `VIT_WEIGHT_SHAPE`, `VIT_CONFIG`.
 * @example
 * const ckpt = parseTorchCheckpoint(bytes, 'dino_vitbase16_pretrain_full_checkpoint.pth');
 * const { family, config, weights } = convertCheckpoint({ value: ckpt.value, format: ckpt.format, file: 'dino.pth' });
 * const onnx = buildViT(config, weights);
 */
export function convertCheckpoint(source: CheckpointSource, options: ConvertCheckpointOptions = {}): LoadedCheckpoint {
  const file = source.file;
  const fail = (code: VitErrorCode, msg: string) => new VitIoError(msg, { file, code });
  if (options.family !== undefined && !FAMILIES.includes(options.family)) {
    throw fail('VIT_VALUE', `\`options.family\` must be one of ${FAMILIES.join(', ')}. Got ${JSON.stringify(options.family)}.`);
  }
  const ignored: IgnoredKey[] = [];
  const notes: string[] = [];

  // 1. The state dict: flatten TorchScript modules; pick the nested network.
  let top = source.value as unknown;
  let nesting: string | undefined;
  let args: Record<string, unknown> | undefined;
  let arch: string | undefined;
  if (source.format === 'torchscript') {
    top = flattenModule(top);
  } else if (!isStateDict(top)) {
    if (!isObject(top)) throw fail('VIT_WEIGHT_UNKNOWN', `holds ${describe(top)}, not a state dict or a dict of them; save the model's state_dict().`);
    const o = top as Record<string, unknown>;
    if (isObject(o.args)) args = o.args as Record<string, unknown>;
    if (typeof o.arch === 'string') arch = o.arch;
    if (options.checkpointKey !== undefined) {
      if (!(options.checkpointKey in o)) {
        throw fail('VIT_VALUE', `has no entry '${options.checkpointKey}' (checkpointKey); its entries are ${Object.keys(o).slice(0, 12).join(', ')}.`);
      }
      nesting = options.checkpointKey;
    } else {
      nesting = NESTINGS.find((k) => isStateDict(o[k]));
      if (!nesting) {
        const holders = Object.keys(o).filter((k) => isStateDict(o[k]));
        if (holders.length === 1) nesting = holders[0];
        else {
          throw fail(
            'VIT_WEIGHT_UNKNOWN',
            `holds no state dict under ${NESTINGS.join(', ')} (its entries: ${Object.keys(o).slice(0, 12).join(', ')}${holders.length ? `; tensors under ${holders.join(', ')}` : ''}); pass checkpointKey (--checkpoint-key) naming the one to read.`,
          );
        }
      }
    }
    if (!isStateDict(o[nesting])) throw fail('VIT_WEIGHT_UNKNOWN', `entry '${nesting}' holds ${describe(o[nesting])}, not a state dict of tensors.`);
    for (const k of Object.keys(o)) if (k !== nesting) ignored.push({ key: k, reason: TOP_REASONS[k] ?? 'another entry of the checkpoint (not the selected state dict)' });
    top = o[nesting];
  }
  const prefix = nesting === undefined ? '' : `${nesting}.`;
  let entries = tensorsOf(top as Record<string, unknown>, ignored, prefix);
  if (entries.size === 0) throw fail('VIT_WEIGHT_MISSING', 'holds no tensors.');
  // the checkpoint's own key of every entry, for messages and `sources`
  const origin = new Map<CheckpointTensor, string>();
  for (const [k, v] of entries) origin.set(v, k);
  entries = stripPrefix(entries, 'module.');

  // 2. The family.
  const sideType = typeof source.config?.model_type === 'string' ? (source.config.model_type as string) : undefined;
  const family = options.family ?? detectFamily(entries, nesting, source, args, fail);
  if (family === 'dino') entries = stripPrefix(entries, 'backbone.', true);
  if (family === 'dino' && nesting === 'teacher' && [...entries.keys()].some((k) => k.startsWith('module.'))) entries = stripPrefix(entries, 'module.');
  const hfPrefix = hfPrefixOf(entries, family);

  // 3. Rename.
  const mapped = applyRules(entries, familyRules(family, hfPrefix));
  const own = (k: string) => origin.get(entries.get(k)!) ?? k;
  ignored.push(...mapped.ignored.map((i) => ({ key: own(i.key), reason: i.reason })));
  mapped.unknown = mapped.unknown.map(own);
  for (const [k, v] of mapped.sources) mapped.sources.set(k, own(v));
  const strict = options.strict ?? true;
  if (!strict) {
    for (const k of mapped.unknown) ignored.push({ key: k, reason: `fits no ${family} key (ignored: strict is false)` });
    mapped.unknown = [];
  }
  if (mapped.unknown.length) {
    const cnn = cnnKeys(mapped.unknown);
    const shown = mapped.unknown.slice(0, 5).join(', ') + (mapped.unknown.length > 5 ? ` and ${mapped.unknown.length - 5} more` : '');
    if (cnn) throw fail('VIT_WEIGHT_UNKNOWN', `is not a Vision Transformer: ${cnn}; the builder makes ViTs only.`);
    const swiglu = mapped.unknown.find((k) => /mlp\.(w12|w3|w1|w2)\./.test(k));
    if (swiglu) throw fail('VIT_WEIGHT_UNKNOWN', `key '${swiglu}' is a SwiGLU MLP (DINOv2 ViT-g); the builder supports the standard GELU MLP only.`);
    const stem = mapped.unknown.find((k) => /patch_embed\.proj\.\d+\./.test(k));
    if (stem) throw fail('VIT_WEIGHT_UNKNOWN', `key '${stem}' is a convolutional stem (MoCo v3 vit_conv_*); the builder supports the single-Conv patch embedding only.`);
    throw fail(
      'VIT_WEIGHT_UNKNOWN',
      `read as ${family}${options.family ? '' : ' (detected)'}, but ${mapped.unknown.length} key${mapped.unknown.length > 1 ? 's' : ''} fit${mapped.unknown.length > 1 ? '' : 's'} no naming scheme: ${shown}; pass family (--family) if the detection is wrong, or re-save the ViT's state_dict alone.`,
    );
  }
  const w = mapped.weights;
  const src = mapped.sources;
  fuseQkv(w, src);
  const hints: Hints = {};
  familyFixups(family, w, src, hints, source, notes, file);

  // 4. Config: side config and args, then shapes, then the caller's overrides.
  Object.assign(hints, configHints(family, source, args, arch, w, notes));
  const given = { ...hints, ...(options.config ?? {}) };
  const infer = () =>
    inferViTConfig(Object.fromEntries(w), {
      heads: given.heads,
      imageSize: given.imageSize,
      layerNormEps: given.layerNormEps,
      mlpAct: given.mlpAct,
      pool: given.pool,
      noEmbedClass: given.noEmbedClass,
    });
  let config: ViTConfig;
  const o = options.config ?? {};
  const complete = o.imageSize !== undefined && o.patchSize !== undefined && o.dim !== undefined && o.depth !== undefined && o.heads !== undefined;
  try {
    // a complete config is the caller's: used as given; otherwise its fields override what is read and inferred
    config = complete ? ({ ...o } as ViTConfig) : { ...infer(), ...given };
  } catch (e) {
    const m = (e as Error).message.replace(/`(?:checkpoint|options)(\['[^']+'\]|\.\w+)?` of inferViTConfig/, (_s, k: string | undefined) => (k ? `\`${k.startsWith('.') ? k.slice(1) : sourceOf(src, k.slice(2, -2))}\`` : 'the checkpoint'));
    const fixed = m.replace(/Pass (\w+)(: \[h, w\])?\./, 'Pass `$1`$2.');
    throw new VitIoError(fixed, { file, code: (e as { code?: VitErrorCode }).code ?? 'VIT_CONFIG', cause: e });
  }
  const dim = config.dim;
  if (given.heads === undefined && !w.has('blocks.0.attn.relative_position_bias_table') && !w.has('rel_pos_bias.relative_position_bias_table') && !FAMILY_WIDTHS.has(dim)) {
    notes.push(`assumed ${config.heads} attention head(s) of width 64: a checkpoint of width ${dim} does not tell its heads; pass \`heads\` if that is wrong.`);
  }
  checkAgainstConfig(config, w, src, file, strict ? undefined : ignored);
  const size = Array.isArray(config.imageSize) ? config.imageSize[0] : (config.imageSize as number);
  const preprocessing = preprocessingOf(family, source, size);
  const description = describeFamily(family, source, nesting);
  return {
    family,
    description,
    files: [file, ...(source.sideFiles ?? [])],
    config,
    weights: Object.fromEntries(w),
    sources: Object.fromEntries(src),
    ignored,
    preprocessing,
    notes: sideType && !family.startsWith('hf-') ? [`config.json says model_type '${sideType}'`, ...notes] : notes,
  };
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x) && !(x instanceof Map);
}

function isTensorLike(v: unknown): v is CheckpointTensor {
  if (isTorchTensor(v)) return true;
  if (!isObject(v) || typeof v.dtype !== 'string') return false;
  const t = v.tensor as Tensor<TypedArray> | undefined;
  return typeof t === 'object' && t !== null && Array.isArray(t.shape) && ArrayBuffer.isView(t.data);
}

function isStateDict(x: unknown): boolean {
  if (!isObject(x)) return false;
  const vals = Object.values(x);
  const n = vals.filter(isTensorLike).length;
  return n > 0 && n * 2 >= vals.length;
}

function describe(x: unknown): string {
  if (x === null || x === undefined) return 'nothing';
  if (Array.isArray(x)) return `a list of ${x.length}`;
  if (isTensorLike(x)) return `a tensor [${x.tensor.shape.join(',')}]`;
  if (isObject(x)) return `a dict (${Object.keys(x).slice(0, 6).join(', ')})`;
  return typeof x;
}

/** Tensors of a state dict (non-tensor entries are listed as ignored). */
function tensorsOf(sd: Record<string, unknown>, ignored: IgnoredKey[], prefix: string): Entries {
  const out: Entries = new Map();
  for (const [k, v] of Object.entries(sd)) {
    if (isTensorLike(v)) out.set(k, { tensor: v.tensor, dtype: v.dtype });
    else ignored.push({ key: `${prefix}${k}`, reason: `not a tensor (${describe(v)})` });
  }
  return out;
}

/** A TorchScript module record → state dict (tensor attributes by dotted path). */
function flattenModule(m: unknown): Record<string, CheckpointTensor> {
  const out: Record<string, CheckpointTensor> = {};
  const seen = new Set<unknown>();
  const walk = (x: unknown, path: string) => {
    if (isTensorLike(x)) {
      if (path) out[path] = x;
      return;
    }
    if (!isObject(x) || seen.has(x)) return;
    seen.add(x);
    for (const [k, v] of Object.entries(x)) walk(v, path ? `${path}.${k}` : k);
  };
  walk(m, '');
  return out;
}

function stripPrefix(e: Entries, prefix: string, partial = false): Entries {
  const keys = [...e.keys()];
  const withIt = keys.filter((k) => k.startsWith(prefix));
  if (withIt.length === 0 || (!partial && withIt.length !== keys.length)) return e;
  const out: Entries = new Map();
  for (const [k, v] of e) out.set(k.startsWith(prefix) ? k.slice(prefix.length) : k, v);
  return out;
}

function cnnKeys(keys: string[]): string | undefined {
  const k = keys.find((x) => /(^|\.)(layer[1-4]\.\d+\.(conv|bn)\d|bn1\.running_mean|features\.\d+\.(weight|running_mean)|downsample\.\d|attnpool\.)/.test(x));
  return k ? `key '${k}' belongs to a convolutional network (ResNet-style layers, batch norm)` : undefined;
}

function hfPrefixOf(e: Entries, family: CheckpointFamily): string {
  if (!family.startsWith('hf-')) return '';
  const probe = family === 'hf-clip' ? /^(.*?)embeddings\.patch_embedding\.weight$/ : /^(.*?)embeddings\.patch_embeddings\.projection\.weight$/;
  for (const k of e.keys()) {
    const m = k.match(probe);
    if (m) return m[1];
  }
  return '';
}

const HF_TYPES: Record<string, CheckpointFamily> = {
  vit: 'hf-vit',
  deit: 'hf-deit',
  dinov2: 'hf-dinov2',
  dinov2_with_registers: 'hf-dinov2',
  clip: 'hf-clip',
  clip_vision_model: 'hf-clip',
  beit: 'hf-beit',
  vit_mae: 'hf-vitmae',
};

function detectFamily(
  e: Entries,
  nesting: string | undefined,
  source: CheckpointSource,
  args: Record<string, unknown> | undefined,
  fail: (code: VitErrorCode, msg: string) => VitIoError,
): CheckpointFamily {
  const keys = [...e.keys()];
  const has = (k: string) => e.has(k);
  const some = (re: RegExp) => keys.some((k) => re.test(k));
  const cfg = source.config;
  if (has('visual.conv1.weight') || has('visual.class_embedding')) return 'clip';
  if (some(/(^|\.)embeddings\.patch_embedding\.weight$/) && some(/(^|\.)pre_layrnorm\.weight$/)) return 'hf-clip';
  if (some(/(^|\.)embeddings\.patch_embeddings\.projection\.weight$/)) {
    const t = typeof cfg?.model_type === 'string' ? HF_TYPES[cfg.model_type] : undefined;
    if (t) return t;
    if (some(/layer_scale1\.lambda1$/) || some(/embeddings\.register_tokens$/)) return 'hf-dinov2';
    if (some(/embeddings\.distillation_token$/) || has('deit.embeddings.cls_token')) return 'hf-deit';
    if (some(/\.lambda_1$/) || some(/relative_position_bias\.relative_position_bias_table$/) || keys.some((k) => k.startsWith('beit.'))) return 'hf-beit';
    if (some(/^decoder\./)) return 'hf-vitmae';
    return 'hf-vit';
  }
  if (keys.some((k) => k.startsWith('base_encoder.'))) return 'mocov3';
  if (keys.some((k) => k.startsWith('backbone.') || k.startsWith('module.backbone.'))) return 'dino';
  if (has('patch_embed.proj.weight')) {
    if (has('register_tokens') || (has('mask_token') && e.get('mask_token')!.tensor.shape.length === 2) || (has('blocks.0.ls1.gamma') && !cfg)) return 'dinov2';
    if (has('blocks.0.attn.q_bias') || has('blocks.0.gamma_1') || has('rel_pos_bias.relative_position_bias_table') || some(/^lm_head\./)) return 'beit';
    if (some(/^decoder_/)) return 'mae';
    if (cfg && (typeof cfg.architecture === 'string' || isObject(cfg.pretrained_cfg))) return 'timm';
    const argModel = typeof args?.model === 'string' ? args.model : '';
    if (argModel.startsWith('mae') || typeof args?.mask_ratio === 'number') return 'mae';
    if (typeof args?.arch === 'string' && typeof args?.out_dim === 'number') return 'dino';
    if (nesting === 'model' && !has('head.weight')) return 'mae';
    if (has('head.weight')) return 'timm';
    return 'dino';
  }
  const cnn = cnnKeys(keys);
  if (cnn) throw fail('VIT_WEIGHT_UNKNOWN', `is not a Vision Transformer: ${cnn}; the builder makes ViTs only.`);
  if (source.format === 'torchscript') {
    throw fail(
      'VIT_WEIGHT_UNKNOWN',
      `is a TorchScript archive whose modules do not give a known ViT state dict (first keys: ${keys.slice(0, 4).join(', ')}); re-save it with PyTorch: ` +
        `python -c "import torch; torch.save(torch.jit.load('${source.file}', map_location='cpu').state_dict(), 'state_dict.pth')"`,
    );
  }
  const shown = keys.slice(0, 5).join(', ') + (keys.length > 5 ? ` and ${keys.length - 5} more` : '');
  throw fail(
    'VIT_WEIGHT_UNKNOWN',
    `has keys of no known ViT naming scheme (first: ${shown}); tried ${FAMILIES.join(', ')}; pass family (--family) or re-save with timm names.`,
  );
}

/** Split q/k/v projections → timm's fused qkv (and BEiT's q_bias / v_bias when k has no bias). */
function fuseQkv(w: Entries, src: Map<string, string>): void {
  const blocks = new Set<string>();
  for (const k of w.keys()) {
    const m = k.match(/^(blocks\.\d+\.attn)\.(q|k|v|query|key|value)\.weight$/);
    if (m) blocks.add(m[1]);
  }
  for (const b of blocks) {
    const names = w.has(`${b}.q.weight`) ? ['q', 'k', 'v'] : ['query', 'key', 'value'];
    const get = (n: string, p: string) => w.get(`${b}.${n}.${p}`);
    const weights = names.map((n) => get(n, 'weight'));
    if (weights.some((x) => !x)) continue; // reported as missing later
    const take = (n: string, p: string) => {
      const k = `${b}.${n}.${p}`;
      const s = src.get(k);
      w.delete(k);
      src.delete(k);
      return s;
    };
    const biases = names.map((n) => get(n, 'bias'));
    const wsrc = names.map((n) => take(n, 'weight'));
    w.set(`${b}.qkv.weight`, concatRows(weights as CheckpointTensor[]));
    src.set(`${b}.qkv.weight`, wsrc.join(' + '));
    if (biases.every(Boolean)) {
      const bsrc = names.map((n) => take(n, 'bias'));
      w.set(`${b}.qkv.bias`, concatRows(biases as CheckpointTensor[]));
      src.set(`${b}.qkv.bias`, bsrc.join(' + '));
    } else if (biases[0] && !biases[1] && biases[2]) {
      const qs = take(names[0], 'bias');
      const vs = take(names[2], 'bias');
      w.set(`${b}.q_bias`, biases[0]);
      src.set(`${b}.q_bias`, qs!);
      w.set(`${b}.v_bias`, biases[2]);
      src.set(`${b}.v_bias`, vs!);
    }
  }
}

/** Family-specific reshapes: CLIP's token/position/projection layouts, DINOv2's registers. */
function familyFixups(family: CheckpointFamily, w: Entries, src: Map<string, string>, hints: Hints, source: CheckpointSource, notes: string[], file: string): void {
  const move = (from: string, to: string, t: CheckpointTensor) => {
    const s = src.get(from)!;
    w.delete(from);
    src.delete(from);
    w.set(to, t);
    src.set(to, s);
  };
  const shapeErr = (name: string, want: string) => {
    const t = w.get(name)!;
    return new VitIoError(`key '${src.get(name)}' has shape [${t.tensor.shape.join(',')}]; ${family} stores it as ${want}. Re-save the checkpoint unchanged from its release, or pass family (--family).`, { file, code: 'VIT_WEIGHT_SHAPE' });
  };
  if (family === 'clip' || family === 'hf-clip') {
    const ce = w.get('class_embedding');
    if (ce) {
      if (ce.tensor.shape.length !== 1) throw shapeErr('class_embedding', '[D]');
      move('class_embedding', 'cls_token', reshaped(ce, [1, 1, ce.tensor.shape[0]]));
    }
    const pe = w.get('positional_embedding');
    if (pe) {
      if (pe.tensor.shape.length !== 2) throw shapeErr('positional_embedding', '[T,D]');
      move('positional_embedding', 'pos_embed', reshaped(pe, [1, ...pe.tensor.shape]));
    }
    const proj = w.get('proj');
    if (proj) {
      if (proj.tensor.shape.length !== 2) throw shapeErr('proj', '[D,E]');
      move('proj', 'head.weight', transposed(proj)); // CLIP computes x @ proj
    }
    hints.headBias = false;
    hints.layerNormEps = 1e-5;
  }
  const reg = w.get('register_tokens');
  if (reg) {
    // DINOv2 (and transformers' Dinov2WithRegisters) add the position embedding to CLS + patches, then
    // insert the registers after CLS: fold the CLS position into the CLS token, keep the patch positions.
    const pos = w.get('pos_embed');
    const cls = w.get('cls_token');
    if (!pos || !cls) throw new VitIoError(`key '${src.get('register_tokens')}' (registers) needs the CLS token and the position embedding, which are missing.`, { file, code: 'VIT_WEIGHT_MISSING' });
    const n = pos.tensor.shape[1];
    const first = sliceTokens(pos, 0, 1);
    move('register_tokens', 'reg_token', reg);
    w.set('cls_token', added(cls, first.tensor));
    src.set('cls_token', `${src.get('cls_token')} + ${src.get('pos_embed')}[:, 0]`);
    w.set('pos_embed', sliceTokens(pos, 1, n));
    src.set('pos_embed', `${src.get('pos_embed')}[:, 1:]`);
    hints.noEmbedClass = true;
    notes.push('registers: the CLS position was folded into the CLS token and the patch positions kept (timm\'s conversion; the same function)');
  }
  if (family === 'hf-deit' && w.has('reg_token')) hints.noEmbedClass = false;
  void source;
}

const ACTS: Record<string, 'gelu' | 'quickGelu'> = { gelu: 'gelu', quick_gelu: 'quickGelu', quickgelu: 'quickGelu' };

/** Config fields the side config, the checkpoint's args / arch, or the family fix. */
function configHints(
  family: CheckpointFamily,
  source: CheckpointSource,
  args: Record<string, unknown> | undefined,
  arch: string | undefined,
  w: Entries,
  notes: string[],
): Hints {
  const h: Hints = {};
  const cfg = source.config;
  const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
  const dim = w.get('patch_embed.proj.weight')?.tensor.shape[0];
  const act = (x: unknown, where: string): 'gelu' | 'quickGelu' | undefined => {
    if (x === undefined) return undefined;
    const a = typeof x === 'string' ? ACTS[x] : undefined;
    if (!a) throw new VitIoError(`${where} says activation ${JSON.stringify(x)}; the builder has exact GELU ('gelu') and QuickGELU ('quick_gelu') only.`, { file: source.sideFiles?.[0] ?? source.file, code: 'VIT_CONFIG' });
    return a;
  };
  if (family.startsWith('hf-') && cfg) {
    const v = (family === 'hf-clip' && isObject(cfg.vision_config) ? cfg.vision_config : cfg) as Record<string, unknown>;
    h.heads = num(v.num_attention_heads);
    h.layerNormEps = num(v.layer_norm_eps);
    const s = num(v.image_size);
    if (s) h.imageSize = s;
    h.mlpAct = act(v.hidden_act ?? (family === 'hf-clip' ? 'quick_gelu' : 'gelu'), 'config.json hidden_act');
    if (family === 'hf-beit' && v.use_mean_pooling === true) h.pool = 'avg';
  } else if (family.startsWith('hf-')) {
    notes.push('no config.json: heads and LayerNorm epsilon inferred (transformers defaults differ: pass them in config)');
    if (family === 'hf-clip') h.mlpAct = 'quickGelu';
  }
  if (family === 'hf-clip' || family === 'clip') h.pool = 'cls';
  if (family === 'timm' && cfg) {
    const a = (isObject(cfg.model_args) ? cfg.model_args : {}) as Record<string, unknown>;
    h.heads = num(a.num_heads);
    const img = a.img_size;
    if (typeof img === 'number' || (Array.isArray(img) && img.length === 2)) h.imageSize = img as number | [number, number];
    else {
      const pc = (isObject(cfg.pretrained_cfg) ? cfg.pretrained_cfg : {}) as Record<string, unknown>;
      if (Array.isArray(pc.input_size) && pc.input_size.length === 3) h.imageSize = [pc.input_size[1], pc.input_size[2]] as [number, number];
    }
    const gp = a.global_pool ?? cfg.global_pool;
    if (gp === 'avg') h.pool = 'avg';
    if (gp === 'token') h.pool = 'cls';
    const archName = typeof cfg.architecture === 'string' ? cfg.architecture : '';
    if (typeof a.act_layer === 'string') h.mlpAct = act(a.act_layer, 'config.json model_args.act_layer');
    else if (/quickgelu|clip.*openai|\.openai/.test(archName)) h.mlpAct = 'quickGelu';
    if (/clip/.test(archName)) h.layerNormEps = 1e-5;
  }
  if (family === 'clip') {
    const mc = (cfg && isObject(cfg.model_cfg) ? cfg.model_cfg : undefined) as Record<string, unknown> | undefined;
    const vc = (mc && isObject(mc.vision_cfg) ? mc.vision_cfg : undefined) as Record<string, unknown> | undefined;
    const openai = source.format === 'torchscript' || ['input_resolution', 'context_length', 'vocab_size'].some((k) => w.has(k));
    if (vc) {
      const width = num(vc.width) ?? dim;
      const hw = num(vc.head_width) ?? 64;
      if (width) h.heads = width / hw;
      const s = num(vc.image_size);
      if (s) h.imageSize = s;
      h.mlpAct = mc!.quick_gelu === true ? 'quickGelu' : 'gelu';
    } else {
      if (dim) h.heads = dim / 64 >= 1 && Number.isInteger(dim / 64) ? dim / 64 : undefined; // OpenAI: heads = width // 64
      h.mlpAct = 'quickGelu';
      if (!openai) notes.push("no open_clip_config.json: QuickGELU assumed, as OpenAI's release (OpenCLIP's own models use GELU: pass config { mlpAct: 'gelu' })");
    }
  }
  if (family === 'mocov3' && dim === 384 && (arch === undefined || /vit_small/.test(arch))) {
    h.heads = 12; // MoCo v3's vit_small: 12 heads of width 32
    if (arch === undefined) notes.push("MoCo v3 ViT-S assumed to have 12 heads as in MoCo v3's vits.py (pass config { heads } otherwise)");
  }
  if (family === 'dino' || family === 'mae' || family === 'beit' || family === 'dinov2' || family === 'mocov3') {
    h.layerNormEps = 1e-6;
    h.mlpAct = 'gelu';
    const inp = num(args?.input_size);
    if (inp) h.imageSize = inp;
  }
  if (family === 'mae' && args?.global_pool === true && w.has('fc_norm.weight')) h.pool = 'avg';
  for (const k of Object.keys(h) as (keyof Hints)[]) if (h[k] === undefined) delete h[k];
  return h;
}

function sourceOf(src: Map<string, string>, name: string): string {
  return src.get(name) ?? name;
}

/** Every weight the config needs, present and of the right shape; nothing left over. */
function checkAgainstConfig(config: ViTConfig, w: Entries, src: Map<string, string>, file: string, loose?: IgnoredKey[]): void {
  const c = resolveConfig(config, 'loadCheckpoint');
  const params = vitParameters(c);
  const names = new Set<string>();
  for (const p of params) {
    const present = [p.name, ...p.aliases].find((n) => w.has(n));
    for (const n of [p.name, ...p.aliases]) names.add(n);
    if (!present) {
      if (p.optional) continue;
      throw new VitIoError(`lacks the tensor for '${p.name}' (shape [${p.shape.join(',')}]) that a ViT with this config needs; the file is incomplete, or pass config fields (--config) that match it.`, { file, code: 'VIT_WEIGHT_MISSING' });
    }
    const t = w.get(present)!.tensor;
    if (t.shape.length !== p.shape.length || t.shape.some((s, i) => s !== p.shape[i])) {
      throw new VitIoError(`key '${sourceOf(src, present)}' has shape [${t.shape.join(',')}], but the config needs [${p.shape.join(',')}] for '${p.name}'; check the config (--config) against the checkpoint.`, { file, code: 'VIT_WEIGHT_SHAPE' });
    }
  }
  for (const k of [...w.keys()]) {
    if (!names.has(k) && loose) {
      loose.push({ key: sourceOf(src, k), reason: `not used by the config (as '${k}'; ignored: strict is false)` });
      w.delete(k);
      src.delete(k);
    } else if (!names.has(k)) throw new VitIoError(`key '${sourceOf(src, k)}' (as '${k}') is not used by the config; pass config fields (--config) that use it, or report the naming scheme.`, { file, code: 'VIT_WEIGHT_UNKNOWN' });
  }
}

function preprocessingOf(family: CheckpointFamily, source: CheckpointSource, size: number): CheckpointPreprocessing {
  const base = familyPreprocessing(family, size);
  const cfg = source.config;
  if (family.startsWith('hf-') && source.preprocessorConfig) return hfPreprocessing(source.preprocessorConfig, size, base);
  if (family === 'timm' && cfg && isObject(cfg.pretrained_cfg)) return timmPreprocessing(cfg.pretrained_cfg as Record<string, unknown>, size, base);
  if (family === 'clip' && cfg && isObject(cfg.preprocess_cfg)) return openClipPreprocessing(cfg.preprocess_cfg as Record<string, unknown>, size, base);
  return base;
}

const NAMES: Record<CheckpointFamily, string> = {
  timm: 'timm ViT',
  dino: 'DINO ViT backbone',
  mocov3: 'MoCo v3 ViT base encoder',
  mae: 'MAE ViT encoder',
  beit: 'BEiT ViT',
  clip: 'CLIP image tower',
  dinov2: 'DINOv2 ViT',
  'hf-vit': 'Hugging Face ViT',
  'hf-deit': 'Hugging Face DeiT',
  'hf-dinov2': 'Hugging Face DINOv2',
  'hf-clip': 'Hugging Face CLIP vision model',
  'hf-beit': 'Hugging Face BEiT',
  'hf-vitmae': 'Hugging Face ViT-MAE encoder',
};

function describeFamily(family: CheckpointFamily, source: CheckpointSource, nesting: string | undefined): string {
  const fmt = source.format === 'torchscript' ? 'TorchScript archive' : source.format === 'torch' ? 'torch.save zip' : 'safetensors';
  return `${NAMES[family]} (${fmt}${nesting ? `, entry '${nesting}'` : ''})`;
}

