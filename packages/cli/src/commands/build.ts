import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { VitValueError, readSafetensors, resolveLayers, type SafetensorsResult } from '@vit/io';
import {
  inferViTConfig,
  resolveViTConfig,
  vitParameterCount,
  vitPresets,
  type ResolvedViTConfig,
  type ViTConfig,
  type ViTPreprocessing,
  type WrittenViT,
  writeViT,
} from '@vit/runtime';
import { outputOf } from '../output.js';
import { parseImageSize, parseLayers, parsePositiveInt, parseTaps } from '../parse.js';

const VERB = 'vit build';

/** The JSON object `vit build --json` prints. */
export interface BuildJson {
  /** The written model. */
  out: string;
  /** Size of the model file in bytes. */
  bytes: number;
  /** Where the weights came from: the checkpoint path, or `random` with the seed. */
  weights: { source: 'checkpoint'; path: string } | { source: 'random'; seed: number };
  /** Where the config came from: a preset name, a JSON file, or inferred from the checkpoint. */
  configSource: string;
  /** The resolved config (with grid, prefix and token counts). */
  config: ResolvedViTConfig;
  /** Float parameters in the model. */
  parameters: number;
  /** Graph outputs, taps first. */
  outputs: string[];
  /** What was assumed rather than read (one line each, also printed on stderr), e.g. the heads of an unusual width. */
  warnings: string[];
}

/** Widths whose heads timm's ViT families fix (inferViTConfig's table); other widths get head width 64. */
const FAMILY_WIDTHS = new Set([192, 384, 512, 768, 1024, 1280, 1408, 1664]);

interface BuildFlags {
  config?: string;
  weights?: string;
  out: string;
  taps: string;
  layers: string;
  seed: string;
  heads?: string;
  imageSize?: string;
  layerNormEps?: string;
  mlpAct?: string;
  strict: boolean;
  json?: boolean;
}

/**
 * `vit build [--config <preset|config.json>] [--weights <file.safetensors>] --out <model.onnx>`:
 * write a standard ViT as ONNX (opset 17) with attention and feature taps as outputs, from a preset
 * or JSON config and seeded random weights, or from a timm-named safetensors checkpoint (config
 * inferred from its shapes when `--config` is left out). The file is written atomically.
 *
 * A JSON config is a ViTConfig (`{ "imageSize": 224, "patchSize": 16, "dim": 768, … }`), or
 * `{ "config": {…}, "preprocessing": {…} }`, or `{ "preset": "vit_base_patch16_224", …overrides }`.
 * @param program the `vit` program.
 * @returns the `build` command.
 * @example vit build --weights vit_small_patch16_224.safetensors --out vit_s16.onnx
 */
export function registerBuild(program: Command): Command {
  return program
    .command('build')
    .description('Build a ViT as ONNX with attention/feature taps as outputs, from a preset or JSON config and random weights, or from a timm safetensors checkpoint.')
    .option('--config <preset|file>', `a preset (${Object.keys(vitPresets).join(', ')}) or a JSON config file; inferred from --weights when left out`)
    .option('--weights <file>', 'a safetensors checkpoint with timm parameter names (F32/F16/BF16/F64); random weights when left out')
    .requiredOption('--out <file>', 'the .onnx file to write')
    .option('--taps <list>', 'comma list of taps exposed as outputs', 'attention,block')
    .option('--layers <list>', '"all" or 1-based layers (negative from the end)', 'all')
    .option('--seed <n>', 'seed of the random weights', '0')
    .option('--heads <n>', 'attention heads, when inferring the config from a checkpoint whose width does not tell them')
    .option('--image-size <h,w>', 'input size, when inferring the config from a checkpoint with a non-square grid')
    .option('--layer-norm-eps <x>', 'LayerNorm epsilon when inferring the config (OpenAI CLIP: 1e-5)')
    .option('--mlp-act <gelu|quickGelu>', 'MLP activation when inferring the config (OpenAI CLIP: quickGelu)')
    .option('--no-strict', 'ignore checkpoint keys the config does not use (e.g. a decoder)')
    .option('--json', 'print exactly one JSON object')
    .action(async (opts: BuildFlags, cmd: Command) => {
      const { out, err, errIsTTY } = outputOf(cmd);
      const taps = parseTaps(opts.taps, VERB);
      const layers = parseLayers(opts.layers, VERB);
      const seed = Number(opts.seed);
      if (!Number.isSafeInteger(seed)) throw new VitValueError(`\`--seed\` of ${VERB} must be an integer. Got "${opts.seed}".`);
      const ckpt: SafetensorsResult | undefined = opts.weights === undefined ? undefined : await readSafetensors(opts.weights);
      let config: ViTConfig;
      let preprocessing: ViTPreprocessing | undefined;
      let configSource: string;
      const warnings: string[] = [];
      if (opts.config !== undefined) {
        const inferOnly = (['heads', 'imageSize', 'layerNormEps', 'mlpAct'] as const).find((k) => opts[k] !== undefined);
        if (inferOnly) {
          const flag = `--${inferOnly.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}`;
          throw new VitValueError(`\`${flag}\` of ${VERB} applies only when the config is inferred from --weights; with --config, set it in the config.`);
        }
        ({ config, preprocessing } = await loadConfig(opts.config));
        configSource = opts.config;
      } else if (ckpt) {
        const eps = opts.layerNormEps === undefined ? undefined : Number(opts.layerNormEps);
        if (eps !== undefined && !(eps > 0 && Number.isFinite(eps))) {
          throw new VitValueError(`\`--layer-norm-eps\` of ${VERB} must be a positive number. Got "${opts.layerNormEps}".`);
        }
        const mlpAct = opts.mlpAct;
        if (mlpAct !== undefined && mlpAct !== 'gelu' && mlpAct !== 'quickGelu') {
          throw new VitValueError(`\`--mlp-act\` of ${VERB} must be gelu or quickGelu. Got "${mlpAct}".`);
        }
        config = inferViTConfig(ckpt, {
          mlpAct,
          heads: opts.heads === undefined ? undefined : parsePositiveInt(opts.heads, '--heads', VERB),
          imageSize: opts.imageSize === undefined ? undefined : parseImageSize(opts.imageSize, '--image-size', VERB),
          layerNormEps: eps,
        });
        configSource = `inferred from ${opts.weights}`;
        const headsInCheckpoint = Object.keys(ckpt.tensors).some((k) => k.endsWith('relative_position_bias_table'));
        if (opts.heads === undefined && !headsInCheckpoint && !FAMILY_WIDTHS.has(config.dim)) {
          warnings.push(`assumed ${config.heads} attention head(s) of width 64: a checkpoint of width ${config.dim} does not tell its heads; pass --heads <n> if that is wrong.`);
        }
      } else {
        throw new VitValueError(`\`--config\` of ${VERB} is required unless --weights is given: a preset (e.g. vit_base_patch16_224) or a JSON config file.`);
      }
      for (const w of warnings) err(`${VERB}: warning: ${w}\n`);
      // Building is synchronous (seconds for ViT-B and larger): say so on a terminal, then clear the line.
      const status = errIsTTY ? `${VERB}: building the ViT…` : '';
      if (errIsTTY) err(status);
      let written: WrittenViT;
      try {
        // writeViT stores the weights in <out>.data above the 2 GB one protobuf holds (ViT-H/14).
        written = await writeViT(opts.out, config, ckpt, { taps, layers, seed, strict: opts.strict, preprocessing });
      } finally {
        if (errIsTTY) err(`\r${' '.repeat(status.length)}\r`);
      }
      const resolved = resolveViTConfig(config);
      const outputs = [...resolveLayers(layers, resolved.depth).flatMap((l) => taps.map((t) => `${t}.${l}`)), resolved.numClasses ? 'logits' : 'features'];
      const j: BuildJson = {
        out: opts.out,
        bytes: written.bytes,
        weights: opts.weights ? { source: 'checkpoint', path: opts.weights } : { source: 'random', seed },
        configSource,
        config: resolved,
        parameters: vitParameterCount(config),
        outputs,
        warnings,
      };
      if (opts.json) {
        out(`${JSON.stringify(j)}\n`);
        return;
      }
      const c = resolved;
      out(
        `wrote ${opts.out}${written.data ? ` + ${written.data}` : ''} (${(written.bytes / 1e6).toFixed(1)} MB): ViT dim ${c.dim}, depth ${c.depth}, heads ${c.heads}, patch ${c.patchSize.join('×')}, ` +
          `input ${c.imageSize.join('×')}, grid ${c.grid.join('×')}, ${c.tokens} tokens (${c.prefixTokens} prefix), ${(j.parameters / 1e6).toFixed(2)}M parameters, ` +
          `${opts.weights ? `weights from ${opts.weights}` : `random weights (seed ${seed})`}; outputs ${taps.join(', ')} × ${layers === 'all' ? 'all layers' : `layers ${layers.join(',')}`} and ${c.numClasses ? 'logits' : 'features'}\n`,
      );
    });
}

/** A preset name, or a JSON file holding a config, `{ config, preprocessing }`, or `{ preset, …overrides }`. */
async function loadConfig(arg: string): Promise<{ config: ViTConfig; preprocessing?: ViTPreprocessing }> {
  if (Object.prototype.hasOwnProperty.call(vitPresets, arg)) return vitPresets[arg];
  let text: string;
  try {
    text = await readFile(arg, 'utf8');
  } catch {
    throw new VitValueError(`\`--config\` of ${VERB} must be a preset (${Object.keys(vitPresets).join(', ')}) or a JSON file. Got "${arg}", which is neither.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new VitValueError(`\`--config\` of ${VERB}: ${arg} is not valid JSON (${(e as Error).message}).`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new VitValueError(`\`--config\` of ${VERB}: ${arg} must hold a JSON object (a ViT config). Got ${Array.isArray(json) ? 'an array' : typeof json}.`);
  }
  const o = json as Record<string, unknown>;
  if ('preset' in o) {
    const { preset, preprocessing, ...overrides } = o;
    if (typeof preset !== 'string' || !Object.prototype.hasOwnProperty.call(vitPresets, preset)) {
      throw new VitValueError(`\`preset\` in ${arg} (--config of ${VERB}) must be one of ${Object.keys(vitPresets).join(', ')}. Got ${JSON.stringify(preset)}.`);
    }
    const p = vitPresets[preset];
    return { config: { ...p.config, ...(overrides as Partial<ViTConfig>) }, preprocessing: (preprocessing as ViTPreprocessing | undefined) ?? p.preprocessing };
  }
  if ('config' in o) return { config: o.config as ViTConfig, preprocessing: o.preprocessing as ViTPreprocessing | undefined };
  return { config: o as unknown as ViTConfig };
}
