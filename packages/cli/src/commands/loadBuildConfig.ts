import { readFile } from 'node:fs/promises';
import { VitValueError } from '@vit/io';
import { vitPresets, type ViTConfig, type ViTPreprocessing } from '@vit/runtime';

/** Options of {@link loadBuildConfig}. */
export interface LoadBuildConfigOptions {
  /** Whether a checkpoint comes with the config (a side config.json is then allowed). */
  withWeights: boolean;
  /** How messages name the argument, e.g. `` `--config` of vit build `` or `` `models[1].builder` of study.yaml ``. */
  label: string;
}

/** What a build config gives: a ViT config and its preprocessing, or a side config file to read with the weights. */
export interface BuildConfig {
  config?: ViTConfig;
  preprocessing?: ViTPreprocessing;
  /** A Hugging Face / timm / OpenCLIP `config.json` to pass to `loadCheckpoint` as `configFile`. */
  sideConfig?: string;
}

/** A side config of a checkpoint folder (Hugging Face, timm, OpenCLIP), as opposed to a ViT config. */
function isSideConfig(o: Record<string, unknown>): boolean {
  return ['model_type', 'architecture', 'model_cfg', 'vision_config', 'architectures', 'pretrained_cfg'].some((k) => k in o);
}

/**
 * The config of a ViT to build (`vit build --config`, a study model's `builder`): a preset name, a
 * JSON file, or (from a study config) the object itself, holding a ViT config, `{ config,
 * preprocessing }`, `{ preset, …overrides }`, or — with weights — a side config.json of Hugging
 * Face, timm or OpenCLIP.
 * @param arg a preset name, a JSON file path, or the object.
 * @param options see {@link LoadBuildConfigOptions}.
 * @returns the config and preprocessing, or the side config file.
 * @throws VitValueError naming `options.label`: neither a preset nor a readable file, not JSON, not an object, an unknown preset.
 * @example await loadBuildConfig('vit_small_patch16_224', { withWeights: true, label: '`--config` of vit build' })
 */
export async function loadBuildConfig(arg: string | Record<string, unknown>, options: LoadBuildConfigOptions): Promise<BuildConfig> {
  const { label, withWeights } = options;
  let o: Record<string, unknown>;
  let name: string;
  if (typeof arg === 'string') {
    if (Object.prototype.hasOwnProperty.call(vitPresets, arg)) return vitPresets[arg];
    let text: string;
    try {
      text = await readFile(arg, 'utf8');
    } catch {
      throw new VitValueError(`${label} must be a preset (${Object.keys(vitPresets).join(', ')}) or a JSON file. Got "${arg}", which is neither.`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new VitValueError(`${label}: ${arg} is not valid JSON (${(e as Error).message.split('\n')[0]}).`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new VitValueError(`${label}: ${arg} must hold a JSON object (a ViT config). Got ${Array.isArray(json) ? 'an array' : typeof json}.`);
    }
    o = json as Record<string, unknown>;
    name = arg;
    if (isSideConfig(o)) {
      if (!withWeights) throw new VitValueError(`${label}: ${arg} is a model folder's config.json (Hugging Face, timm or OpenCLIP); pass it with --weights.`);
      return { sideConfig: arg };
    }
  } else {
    o = arg;
    name = 'the object';
  }
  if ('preset' in o) {
    const { preset, preprocessing, ...overrides } = o;
    if (typeof preset !== 'string' || !Object.prototype.hasOwnProperty.call(vitPresets, preset)) {
      throw new VitValueError(`\`preset\` in ${name} (${label.replace(/`/g, '')}) must be one of ${Object.keys(vitPresets).join(', ')}. Got ${JSON.stringify(preset)}.`);
    }
    const p = vitPresets[preset];
    return { config: { ...p.config, ...(overrides as Partial<ViTConfig>) }, preprocessing: (preprocessing as ViTPreprocessing | undefined) ?? p.preprocessing };
  }
  if ('config' in o) return { config: o.config as ViTConfig, preprocessing: o.preprocessing as ViTPreprocessing | undefined };
  return { config: o as unknown as ViTConfig };
}
