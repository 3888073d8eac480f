import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { VitIoError, parseSafetensors, parseTorchCheckpoint } from '@vit/io';
import { convertCheckpoint, type CheckpointSource } from './convertCheckpoint.js';
import type { LoadCheckpointOptions, LoadedCheckpoint } from './types.js';

/** Weight files of a folder, in the order they are looked for. */
const WEIGHT_NAMES = ['model.safetensors', 'open_clip_model.safetensors', 'pytorch_model.bin', 'open_clip_pytorch_model.bin'];
const WEIGHT_EXT = /\.(safetensors|pth|pt|bin|pth\.tar|ckpt|tar)$/;
/** Files whose folder's config.json describes them (Hugging Face / timm / OpenCLIP hub layouts). */
const HUB_NAMES = new Set([...WEIGHT_NAMES]);

/**
 * Read a ViT checkpoint of any supported release — a file (`.pth`, `.pth.tar`, `.pt`, `.bin`,
 * `.safetensors`) or a Hugging Face / timm / OpenCLIP folder — without PyTorch, and map it onto the
 * builder: the family (detected from the keys), the config (from `config.json` /
 * `open_clip_config.json`, the `args` stored in the checkpoint, and the tensor shapes), the weights
 * under timm's names, the keys left out and why, and the family's preprocessing.
 *
 * PyTorch files are read by `parseTorchCheckpoint` of `@vit/io` (the `torch.save` zip format and
 * TorchScript archives; a restricted unpickler, nothing executed).
 *
 * @param path A weights file, or a folder holding one (`model.safetensors`, `pytorch_model.bin`, …) and its side files.
 * @param options Family, checkpoint key (DINO's `student`), config overrides, side config file.
 * @returns What {@link convertCheckpoint} returns, naming every file read.
 * @throws VitIoError naming the file: unreadable (`VIT_IO_READ`, `VIT_NOT_FOUND`), an unsupported
 *   format (see `parseTorchCheckpoint`), a side config that is not JSON (`VIT_CONFIG`), and every
 *   error of {@link convertCheckpoint}.
 * @example
 * import { buildViT, loadCheckpoint } from '@vit/runtime';
 * const ckpt = await loadCheckpoint('dino_vitbase16_pretrain_full_checkpoint.pth'); // the teacher
 * console.log(ckpt.family, ckpt.preprocessing.name, ckpt.ignored.length);
 * const onnx = buildViT(ckpt.config, ckpt.weights);
 */
export async function loadCheckpoint(path: string, options: LoadCheckpointOptions = {}): Promise<LoadedCheckpoint> {
  if (typeof path !== 'string' || path === '') throw new VitIoError(`\`path\` of loadCheckpoint must be a file or folder. Got ${JSON.stringify(path)}.`, { code: 'VIT_VALUE' });
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (e) {
    throw new VitIoError('does not exist (expected a checkpoint file or a model folder).', { file: path, code: 'VIT_NOT_FOUND', cause: e });
  }
  let file = path;
  let folder: string | undefined;
  if (isDir) {
    folder = path;
    const names = await readdir(path);
    if (names.includes('model.safetensors.index.json') || names.includes('pytorch_model.bin.index.json')) {
      throw new VitIoError('holds a sharded checkpoint (*.index.json); ViTs fit one file: re-save with save_pretrained(max_shard_size="10GB").', { file: path, code: 'VIT_IO_READ' });
    }
    const pick = WEIGHT_NAMES.find((n) => names.includes(n)) ?? (names.filter((n) => WEIGHT_EXT.test(n)).length === 1 ? names.find((n) => WEIGHT_EXT.test(n)) : undefined);
    if (!pick) {
      const found = names.filter((n) => WEIGHT_EXT.test(n));
      throw new VitIoError(
        `holds ${found.length ? `several weight files (${found.join(', ')})` : 'no weight file'}; expected ${WEIGHT_NAMES.join(' or ')}, or pass the file itself.`,
        { file: path, code: 'VIT_NOT_FOUND' },
      );
    }
    file = join(path, pick);
  } else if (HUB_NAMES.has(basename(path))) {
    folder = dirname(path);
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new VitIoError(`cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file, code: 'VIT_IO_READ', cause: e });
  }
  const sideFiles: string[] = [];
  const json = async (f: string, required: boolean): Promise<Record<string, unknown> | undefined> => {
    let text: string;
    try {
      text = await readFile(f, 'utf8');
    } catch (e) {
      if (!required && (e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new VitIoError(`cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file: f, code: 'VIT_IO_READ', cause: e });
    }
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      throw new VitIoError(`is not valid JSON (${(e as Error).message}); fix or remove the side config.`, { file: f, code: 'VIT_CONFIG', cause: e });
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new VitIoError('must hold a JSON object.', { file: f, code: 'VIT_CONFIG' });
    sideFiles.push(f);
    return v as Record<string, unknown>;
  };
  let config: Record<string, unknown> | undefined;
  let preprocessorConfig: Record<string, unknown> | undefined;
  if (options.configFile !== undefined) config = await json(options.configFile, true);
  else if (folder) config = (await json(join(folder, 'open_clip_config.json'), false)) ?? (await json(join(folder, 'config.json'), false));
  if (folder) preprocessorConfig = await json(join(folder, 'preprocessor_config.json'), false);
  const source: CheckpointSource = { value: {}, format: 'safetensors', file, config, preprocessorConfig, sideFiles };
  if (bytes.length >= 2 && ((bytes[0] === 0x50 && bytes[1] === 0x4b) || (bytes[0] === 0x80 && bytes[1] <= 5))) {
    const t = parseTorchCheckpoint(bytes, file);
    source.value = t.value;
    source.format = t.format;
  } else {
    source.value = parseSafetensors(bytes, file).tensors;
  }
  return convertCheckpoint(source, options);
}
