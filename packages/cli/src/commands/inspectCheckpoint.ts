import type { Command } from 'commander';
import { VitValueError } from '@vit/io';
import {
  loadCheckpoint,
  resolveViTConfig,
  vitParameterCount,
  type CheckpointFamily,
  type CheckpointPreprocessing,
  type IgnoredKey,
  type ViTConfig,
} from '@vit/runtime';
import { outputOf } from '../output.js';
import { parseImageSize, parsePositiveInt } from '../parse.js';

const VERB = 'vit inspect-checkpoint';
const FAMILIES: readonly CheckpointFamily[] = ['timm', 'dino', 'mocov3', 'mae', 'beit', 'clip', 'dinov2', 'hf-vit', 'hf-deit', 'hf-dinov2', 'hf-clip', 'hf-beit', 'hf-vitmae'];

/** The JSON object `vit inspect-checkpoint --json` prints. */
export interface InspectCheckpointJson {
  /** The files read: weights, then side configs. */
  files: string[];
  family: CheckpointFamily;
  description: string;
  /** The builder config `vit build --weights` would use. */
  config: ViTConfig;
  /** Float parameters of the ViT that would be built. */
  parameters: number;
  /** Keys left out, with the reason. */
  ignored: IgnoredKey[];
  /** The family's evaluation transform. */
  preprocessing: CheckpointPreprocessing;
  /** What was assumed. */
  notes: string[];
}

interface Flags {
  family?: string;
  checkpointKey?: string;
  heads?: string;
  imageSize?: string;
  configFile?: string;
  json?: boolean;
}

/**
 * `vit inspect-checkpoint <file|folder>`: read a checkpoint of any supported release without
 * building it, and print its family, the config `vit build --weights` would use, the keys left out
 * (and why) and the family's preprocessing preset.
 * @param program the `vit` program.
 * @returns the `inspect-checkpoint` command.
 * @example vit inspect-checkpoint dino_vitbase16_pretrain_full_checkpoint.pth --json
 */
export function registerInspectCheckpoint(program: Command): Command {
  return program
    .command('inspect-checkpoint')
    .description('Read a checkpoint (DINO, MoCo v3, MAE, BEiT, CLIP/OpenCLIP, DINOv2, Hugging Face, timm) and print its family, config, ignored keys and preprocessing, without building.')
    .argument('<checkpoint>', 'a .pth/.pth.tar/.pt/.bin/.safetensors file, or a Hugging Face / timm / OpenCLIP folder')
    .option('--family <name>', `read it as this naming scheme (${FAMILIES.join(', ')}) instead of detecting it`)
    .option('--checkpoint-key <key>', 'the network to read from a checkpoint that holds several (DINO: teacher by default, or student)')
    .option('--heads <n>', 'attention heads, when the checkpoint does not tell them')
    .option('--image-size <h,w>', 'input size, when the checkpoint does not tell it')
    .option('--config-file <file>', 'a side config.json (Hugging Face, timm, OpenCLIP) other than the one next to the weights')
    .option('--json', 'print exactly one JSON object')
    .action(async (path: string, opts: Flags, cmd: Command) => {
      const { out } = outputOf(cmd);
      if (opts.family !== undefined && !FAMILIES.includes(opts.family as CheckpointFamily)) {
        throw new VitValueError(`\`--family\` of ${VERB} must be one of ${FAMILIES.join(', ')}. Got "${opts.family}".`);
      }
      const config: Partial<ViTConfig> = {};
      if (opts.heads !== undefined) config.heads = parsePositiveInt(opts.heads, '--heads', VERB);
      if (opts.imageSize !== undefined) config.imageSize = parseImageSize(opts.imageSize, '--image-size', VERB);
      const ckpt = await loadCheckpoint(path, { family: opts.family as CheckpointFamily | undefined, checkpointKey: opts.checkpointKey, config, configFile: opts.configFile });
      const j: InspectCheckpointJson = {
        files: ckpt.files,
        family: ckpt.family,
        description: ckpt.description,
        config: ckpt.config,
        parameters: vitParameterCount(ckpt.config),
        ignored: ckpt.ignored,
        preprocessing: ckpt.preprocessing,
        notes: ckpt.notes,
      };
      if (opts.json) {
        out(`${JSON.stringify(j)}\n`);
        return;
      }
      const c = resolveViTConfig(ckpt.config);
      const p = ckpt.preprocessing;
      const lines = [
        `${path}: ${ckpt.description}, family ${ckpt.family}`,
        `  ViT: dim ${c.dim}, depth ${c.depth}, heads ${c.heads}, patch ${c.patchSize.join('×')}, input ${c.imageSize.join('×')}, ${c.tokens} tokens (${c.prefixTokens} prefix), ` +
          `MLP ${c.mlpDim} ${c.mlpAct}, LayerNorm eps ${c.layerNormEps}, ${c.numClasses ? `head of ${c.numClasses}` : 'no head'}, ${(j.parameters / 1e6).toFixed(2)}M parameters`,
        `  preprocessing ${p.name}: resize ${p.resize} ${p.interpolation}, crop ${p.crop}, mean ${p.mean.join('/')}, std ${p.std.join('/')} (${p.normalization})`,
        `  ignored ${ckpt.ignored.length} key${ckpt.ignored.length === 1 ? '' : 's'}${ckpt.ignored.length ? ':' : ''}`,
        ...summarise(ckpt.ignored).map((s) => `    ${s}`),
        ...ckpt.notes.map((n) => `  note: ${n}`),
        `  files: ${ckpt.files.join(', ')}`,
      ];
      out(`${lines.join('\n')}\n`);
    });
}

/** Ignored keys grouped by reason: "reason: first keys (n)". */
function summarise(ignored: IgnoredKey[]): string[] {
  const by = new Map<string, string[]>();
  for (const i of ignored) by.set(i.reason, [...(by.get(i.reason) ?? []), i.key]);
  return [...by].map(([reason, keys]) => `${keys.slice(0, 3).join(', ')}${keys.length > 3 ? ` and ${keys.length - 3} more` : ''}: ${reason}`);
}
