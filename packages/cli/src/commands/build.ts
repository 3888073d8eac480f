import type { Command } from 'commander';
import { VitValueError, resolveLayers } from '@vit/io';
import {
  loadCheckpoint,
  resolveViTConfig,
  vitParameterCount,
  vitPresets,
  type CheckpointFamily,
  type CheckpointPreprocessing,
  type IgnoredKey,
  type LoadedCheckpoint,
  type ResolvedViTConfig,
  type ViTConfig,
  type ViTPreprocessing,
  type WrittenViT,
  writeViT,
} from '@vit/runtime';
import { outputOf } from '../output.js';
import { parseImageSize, parseLayers, parsePositiveInt, parseTaps } from '../parse.js';
import { checkpointPreprocessing } from './checkpointPreprocessing.js';
import { loadBuildConfig } from './loadBuildConfig.js';

const VERB = 'vit build';
const CONFIG_LABEL = `\`--config\` of ${VERB}`;

/** The JSON object `vit build --json` prints. */
export interface BuildJson {
  /** The written model. */
  out: string;
  /** Size of the model file in bytes. */
  bytes: number;
  /** Where the weights came from: the checkpoint path, or `random` with the seed. */
  weights: { source: 'checkpoint'; path: string } | { source: 'random'; seed: number };
  /** With `--weights`: the family the checkpoint was read as, the keys left out (with reasons) and the family's preprocessing. */
  checkpoint?: { family: CheckpointFamily; description: string; files: string[]; ignored: IgnoredKey[]; preprocessing: CheckpointPreprocessing; notes: string[] };
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
  family?: string;
  checkpointKey?: string;
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
    .description('Build a ViT as ONNX with attention/feature taps as outputs, from a preset or JSON config and random weights, or from a checkpoint of any supported release.')
    .option('--config <preset|file>', `a preset (${Object.keys(vitPresets).join(', ')}), a JSON ViT config, or a side config.json (Hugging Face, timm, OpenCLIP); read from --weights when left out`)
    .option('--weights <file|folder>', 'a checkpoint: .pth/.pth.tar/.pt/.bin (torch.save zip, TorchScript) or .safetensors of DINO, MoCo v3, MAE, BEiT, CLIP/OpenCLIP, DINOv2, timm, or a Hugging Face folder; random weights when left out')
    .requiredOption('--out <file>', 'the .onnx file to write')
    .option('--taps <list>', 'comma list of taps exposed as outputs', 'attention,block')
    .option('--layers <list>', '"all" or 1-based layers (negative from the end)', 'all')
    .option('--seed <n>', 'seed of the random weights', '0')
    .option('--heads <n>', 'attention heads, when inferring the config from a checkpoint whose width does not tell them')
    .option('--image-size <h,w>', 'input size, when inferring the config from a checkpoint with a non-square grid')
    .option('--layer-norm-eps <x>', 'LayerNorm epsilon when inferring the config (OpenAI CLIP: 1e-5)')
    .option('--mlp-act <gelu|quickGelu>', 'MLP activation when inferring the config (OpenAI CLIP: quickGelu)')
    .option('--family <name>', 'read --weights as this naming scheme instead of detecting it (vit inspect-checkpoint lists them)')
    .option('--checkpoint-key <key>', "the network to read from a checkpoint that holds several (DINO: teacher by default, or student)")
    .option('--no-strict', 'ignore checkpoint keys that fit no naming scheme or that the config does not use')
    .option('--json', 'print exactly one JSON object')
    .action(async (opts: BuildFlags, cmd: Command) => {
      const { out, err, errIsTTY } = outputOf(cmd);
      const taps = parseTaps(opts.taps, VERB);
      const layers = parseLayers(opts.layers, VERB);
      const seed = Number(opts.seed);
      if (!Number.isSafeInteger(seed)) throw new VitValueError(`\`--seed\` of ${VERB} must be an integer. Got "${opts.seed}".`);
      let config: ViTConfig;
      let preprocessing: ViTPreprocessing | undefined;
      let configSource: string;
      let ckpt: LoadedCheckpoint | undefined;
      const warnings: string[] = [];
      const overrides = inferenceFlags(opts);
      if (opts.weights !== undefined) {
        let given: { config?: ViTConfig; preprocessing?: ViTPreprocessing; sideConfig?: string } = {};
        if (opts.config !== undefined) {
          given = await loadBuildConfig(opts.config, { withWeights: true, label: CONFIG_LABEL });
          if (given.config && Object.keys(overrides).length) {
            const k = Object.keys(overrides)[0];
            throw new VitValueError(`\`--${k.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}\` of ${VERB} applies only when the config is read from --weights or a side config.json; with a ViT config in --config, set it there.`);
          }
        }
        ckpt = await loadCheckpoint(opts.weights, {
          family: opts.family as CheckpointFamily | undefined,
          checkpointKey: opts.checkpointKey,
          config: given.config ?? overrides,
          configFile: given.sideConfig,
          strict: opts.strict,
        });
        config = ckpt.config;
        // what was assumed rather than read, in the CLI's words
        for (const n of ckpt.notes) warnings.push(n.replace(/pass `heads`/, 'pass --heads <n>').replace(/pass config \{ (\w+): [^}]*\}/, (_m, f: string) => `pass --${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`));
        preprocessing = given.preprocessing ?? checkpointPreprocessing(ckpt, resolveViTConfig(config));
        configSource = given.config ? opts.config! : `${given.sideConfig ? `${given.sideConfig} and ` : ''}read from ${opts.weights} (${ckpt.family})`;
      } else if (opts.config !== undefined) {
        const inferOnly = Object.keys(overrides)[0];
        if (inferOnly) {
          const flag = `--${inferOnly.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}`;
          throw new VitValueError(`\`${flag}\` of ${VERB} applies only when the config is inferred from --weights; with --config, set it in the config.`);
        }
        if (opts.family !== undefined || opts.checkpointKey !== undefined) throw new VitValueError(`\`--${opts.family !== undefined ? 'family' : 'checkpoint-key'}\` of ${VERB} applies only with --weights.`);
        const loaded = await loadBuildConfig(opts.config, { withWeights: false, label: CONFIG_LABEL });
        config = loaded.config!;
        preprocessing = loaded.preprocessing;
        configSource = opts.config;
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
        written = await writeViT(opts.out, config, ckpt?.weights, { taps, layers, seed, strict: opts.strict, preprocessing });
      } finally {
        if (errIsTTY) err(`\r${' '.repeat(status.length)}\r`);
      }
      const resolved = resolveViTConfig(config);
      const outputs = [...resolveLayers(layers, resolved.depth).flatMap((l) => taps.map((t) => `${t}.${l}`)), resolved.numClasses ? 'logits' : 'features'];
      const j: BuildJson = {
        out: opts.out,
        bytes: written.bytes,
        weights: opts.weights ? { source: 'checkpoint', path: opts.weights } : { source: 'random', seed },
        ...(ckpt
          ? { checkpoint: { family: ckpt.family, description: ckpt.description, files: ckpt.files, ignored: ckpt.ignored, preprocessing: ckpt.preprocessing, notes: ckpt.notes } }
          : {}),
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
          `${ckpt ? `weights from ${opts.weights} (${ckpt.description}, ${ckpt.ignored.length} keys ignored, preprocessing ${ckpt.preprocessing.name})` : `random weights (seed ${seed})`}; outputs ${taps.join(', ')} × ${layers === 'all' ? 'all layers' : `layers ${layers.join(',')}`} and ${c.numClasses ? 'logits' : 'features'}\n`,
      );
    });
}

/** Config fields given by the inference flags (`--heads`, `--image-size`, `--layer-norm-eps`, `--mlp-act`). */
function inferenceFlags(opts: BuildFlags): Partial<ViTConfig> {
  const o: Partial<ViTConfig> = {};
  if (opts.heads !== undefined) o.heads = parsePositiveInt(opts.heads, '--heads', VERB);
  if (opts.imageSize !== undefined) o.imageSize = parseImageSize(opts.imageSize, '--image-size', VERB);
  if (opts.layerNormEps !== undefined) {
    const eps = Number(opts.layerNormEps);
    if (!(eps > 0 && Number.isFinite(eps))) throw new VitValueError(`\`--layer-norm-eps\` of ${VERB} must be a positive number. Got "${opts.layerNormEps}".`);
    o.layerNormEps = eps;
  }
  if (opts.mlpAct !== undefined) {
    if (opts.mlpAct !== 'gelu' && opts.mlpAct !== 'quickGelu') throw new VitValueError(`\`--mlp-act\` of ${VERB} must be gelu or quickGelu. Got "${opts.mlpAct}".`);
    o.mlpAct = opts.mlpAct;
  }
  return o;
}
