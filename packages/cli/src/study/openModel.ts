import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWrite, VitValueError } from '@vit/io';
import {
  inspectModel,
  loadCheckpoint,
  preprocessPresets,
  resolveViTConfig,
  writeViT,
  type CheckpointFamily,
  type LoadedCheckpoint,
  type ModelInfo,
  type ViTConfig,
} from '@vit/runtime';
import { checkpointPreprocessing } from '../commands/checkpointPreprocessing.js';
import { loadBuildConfig } from '../commands/loadBuildConfig.js';
import { CHECKPOINT_FAMILIES, type ModelConfig } from './config.js';
import { withContext } from './internal/withContext.js';
import type { OpenModel } from './types.js';

/** Options of {@link openModel}. */
export interface OpenModelOptions {
  /**
   * The study's cache folder: a model given as a checkpoint is built into `<cacheDir>/models/<name>.onnx`
   * (with `<name>.json` recording what it was built from) and reused while that is unchanged.
   * Required for a checkpoint.
   * @default undefined
   */
  cacheDir?: string;
}

/** Bump when the way checkpoints are built changes: cached models are rebuilt. */
const BUILD_FORMAT = 1;

/** The evaluation preset (`preprocessPresets`) of each checkpoint family of the paper. */
const FAMILY_PRESET: Partial<Record<CheckpointFamily, string>> = {
  dino: 'imagenet-dino',
  dinov2: 'imagenet-dino',
  'hf-dinov2': 'imagenet-dino',
  'hf-deit': 'imagenet-dino',
  mae: 'mae',
  mocov3: 'mocov3',
  beit: 'beit',
  clip: 'clip',
  'hf-clip': 'clip',
  timm: 'timm-augreg',
};

/** sha256 (hex) of a file, streamed. */
async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** sha256 of an ONNX model and its external-data file `<model>.data` when there is one. */
async function modelHash(path: string): Promise<string> {
  const main = await sha256File(path);
  const data = `${path}.data`;
  if (!(await stat(data).catch(() => undefined))?.isFile()) return main;
  return createHash('sha256').update(`${main} ${await sha256File(data)}`).digest('hex');
}

/** sha256 of a checkpoint: the file, or every file directly in a checkpoint folder (names and contents). */
async function checkpointHash(path: string): Promise<string> {
  const st = await stat(path).catch(() => undefined);
  if (!st?.isDirectory()) return sha256File(path); // a missing file is reported by loadCheckpoint
  const h = createHash('sha256');
  for (const name of (await readdir(path)).sort()) {
    const p = join(path, name);
    if ((await stat(p)).isFile()) h.update(`${name}\0${await sha256File(p)}\n`);
  }
  return h.digest('hex');
}

/** A preset of `preprocessPresets` equal to the checkpoint's transform (normalisation, interpolation, crop fraction). */
function matchingPreset(p: LoadedCheckpoint['preprocessing']): string | undefined {
  const close = (a: readonly number[], b: readonly number[]) => a.every((v, i) => Math.abs(v - b[i]) < 1e-6);
  for (const [name, q] of Object.entries(preprocessPresets)) {
    if (close(p.mean, q.mean) && close(p.std, q.std) && p.interpolation === q.interpolation && Math.abs(p.crop / p.resize - q.crop / q.resize) < 0.01) return name;
  }
  return undefined;
}

/** What the model was opened from, with its info. */
function opened(config: ModelConfig, onnx: string, hash: string, info: ModelInfo, source: string, preset: string): OpenModel {
  return {
    name: config.name,
    ...(config.method !== undefined ? { method: config.method } : {}),
    onnx,
    hash,
    source,
    preset,
    layers: info.layers,
    heads: info.heads,
    dim: info.dim,
    grid: [info.grid[0], info.grid[1]],
    prefix: info.prefixTokens,
    patch: info.patch,
    imageSize: [info.imageSize[0], info.imageSize[1]],
    info,
  };
}

/** What a cached model was built from (`<cacheDir>/models/<name>.json`). */
interface BuiltRecord {
  key: string;
  onnxHash: string;
  family: string;
  preset: string;
  checkpoint: string;
}

/** The checkpoint read with the model's `builder`: a family, a preset, a `.json` ViT config or a config object. */
async function readCheckpoint(config: ModelConfig, label: string): Promise<{ ckpt: LoadedCheckpoint; given: { config?: ViTConfig; preprocessing?: ReturnType<typeof checkpointPreprocessing> } }> {
  const b = config.builder;
  let family: CheckpointFamily | undefined;
  let checkpointKey: string | undefined;
  let strict: boolean | undefined;
  let given: Awaited<ReturnType<typeof loadBuildConfig>> = {};
  if (typeof b === 'string') {
    if ((CHECKPOINT_FAMILIES as readonly string[]).includes(b)) family = b as CheckpointFamily;
    else given = await loadBuildConfig(b, { withWeights: true, label });
  } else if (b !== undefined) {
    const { family: f, checkpointKey: k, strict: s, ...rest } = b;
    if (f !== undefined && !(CHECKPOINT_FAMILIES as readonly string[]).includes(f as string)) {
      throw new VitValueError(`${label}: family ${JSON.stringify(f)} must be one of ${CHECKPOINT_FAMILIES.join(', ')}.`, { code: 'VIT_STUDY_CONFIG' });
    }
    family = f as CheckpointFamily | undefined;
    checkpointKey = typeof k === 'string' ? k : undefined;
    strict = typeof s === 'boolean' ? s : undefined;
    if (Object.keys(rest).length) given = await loadBuildConfig(rest, { withWeights: true, label });
  }
  const ckpt = await loadCheckpoint(config.checkpoint!, { family, checkpointKey, strict, config: given.config, configFile: given.sideConfig });
  return { ckpt, given };
}

/**
 * Open a model of a study config: an ONNX ViT (inspected, hashed), or a checkpoint built into an
 * ONNX ViT in `<cacheDir>/models/<name>.onnx` — as `vit build --weights` does, with the same config
 * and preprocessing rules — and reused while the checkpoint's hash and the builder are unchanged.
 * The preprocessing preset is the config's `preset`, else the checkpoint family's evaluation
 * transform when it is one of `preprocessPresets`, else `imagenet`.
 *
 * @param config one `models[]` entry of a parsed study config (absolute paths).
 * @param options see {@link OpenModelOptions}.
 * @returns the model's ONNX path, sha256, preset and shape (layers, heads, dim, grid, prefix, patch, input size).
 * @throws the runtime's errors, prefixed with `model "<name>"` and keeping their code and file:
 *   `VIT_NOT_FOUND`, `VIT_NOT_ONNX`, `VIT_NO_ATTENTION` (not a ViT), `VIT_FUSED_ATTENTION`, the
 *   checkpoint codes (`VIT_WEIGHT_*`, `VIT_IO_TORCH`, …); VitValueError when a checkpoint has no `cacheDir`.
 * @example
 * const fs = await openModel({ name: 'fs', onnx: '/abs/zoo/fs.onnx' });
 * const dino = await openModel({ name: 'dino', checkpoint: '/abs/dino.pth', builder: 'dino' }, { cacheDir: 'out/cache' });
 */
export async function openModel(config: ModelConfig, options: OpenModelOptions = {}): Promise<OpenModel> {
  const context = `model "${config.name}"`;
  try {
    if (config.onnx !== undefined) {
      // Hashing (main thread) overlaps the probe (onnxruntime's threads); inspectModel's error, if any, is the one reported.
      const hashing = modelHash(config.onnx);
      hashing.catch(() => undefined);
      const info = await inspectModel(config.onnx);
      const hash = await hashing;
      return opened(config, config.onnx, hash, info, config.onnx, config.preset ?? 'imagenet');
    }
    if (config.checkpoint === undefined) throw new VitValueError('needs "onnx" or "checkpoint".', { code: 'VIT_STUDY_CONFIG' });
    if (options.cacheDir === undefined) throw new VitValueError('`options.cacheDir` of openModel is required for a model given as a checkpoint (it is built there).');
    const dir = join(options.cacheDir, 'models');
    const onnx = join(dir, `${config.name}.onnx`);
    const recordFile = join(dir, `${config.name}.json`);
    const builderId = typeof config.builder === 'string' && /\.json$/i.test(config.builder) ? { file: config.builder, sha256: await sha256File(config.builder).catch(() => 'missing') } : (config.builder ?? null);
    const key = createHash('sha256')
      .update(JSON.stringify({ format: BUILD_FORMAT, checkpoint: await checkpointHash(config.checkpoint), builder: builderId }))
      .digest('hex');
    const describeSource = (family: string) => `${config.checkpoint} (${family})${config.builder !== undefined ? ` + builder ${typeof config.builder === 'string' ? config.builder : JSON.stringify(config.builder)}` : ''}`;
    const record = await readFile(recordFile, 'utf8').then(
      (t) => JSON.parse(t) as BuiltRecord,
      () => undefined,
    );
    if (record?.key === key) {
      const hash = await modelHash(onnx).catch(() => undefined);
      if (hash === record.onnxHash) return opened(config, onnx, hash, await inspectModel(onnx), describeSource(record.family), config.preset ?? record.preset);
    }
    const { ckpt, given } = await readCheckpoint(config, `\`models[].builder\` of model "${config.name}"`);
    const resolved = resolveViTConfig(ckpt.config);
    const preprocessing = given.preprocessing ?? checkpointPreprocessing(ckpt, resolved);
    const familyPreset = (ckpt.preprocessing.name === 'config' ? matchingPreset(ckpt.preprocessing) : FAMILY_PRESET[ckpt.family]) ?? matchingPreset(ckpt.preprocessing) ?? 'imagenet';
    await mkdir(dir, { recursive: true });
    // the session instruments the graph itself: no tap outputs are built in
    await writeViT(onnx, ckpt.config, ckpt.weights, { taps: [], preprocessing });
    const hash = await modelHash(onnx);
    const next: BuiltRecord = { key, onnxHash: hash, family: ckpt.family, preset: familyPreset, checkpoint: config.checkpoint };
    await atomicWrite(recordFile, `${JSON.stringify(next, null, 2)}\n`);
    return opened(config, onnx, hash, await inspectModel(onnx), describeSource(ckpt.family), config.preset ?? familyPreset);
  } catch (e) {
    throw withContext(e, context);
  }
}
