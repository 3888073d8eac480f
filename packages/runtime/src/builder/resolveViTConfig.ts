import { VitValueError } from '@vit/io';
import type { ResolvedViTConfig, ViTConfig } from './types.js';

const FIELDS: readonly (keyof ViTConfig)[] = [
  'imageSize', 'patchSize', 'dim', 'depth', 'heads', 'mlpDim', 'mlpAct', 'inChannels', 'classToken', 'registers', 'posEmbed',
  'noEmbedClass', 'preNorm', 'qkvBias', 'layerScale', 'relPosBias', 'sharedRelPosBias', 'finalNorm', 'pool', 'numClasses', 'patchBias',
  'headBias', 'layerNormEps',
];

/** Fields of a resolved config that may be passed back in (as in a model's `vit.config` metadata); checked, not used. */
const DERIVED = ['grid', 'prefixTokens', 'tokens'];

/**
 * Validate a {@link ViTConfig} and fill in its defaults (see the field docs), adding the derived
 * token grid `[gh, gw]`, prefix count `P` and token count `T = P + gh·gw`. A resolved config (such as
 * a built model's `vit.config` metadata) is accepted too; its derived fields must agree.
 *
 * @param config the architecture.
 * @returns the resolved config, sizes as `[h, w]` pairs.
 * @throws VitValueError (code `VIT_CONFIG`) naming the field: an unknown field, a size that is not a
 *   positive integer, `dim` not divisible by `heads`, `imageSize` not a multiple of `patchSize`,
 *   `pool: 'cls'` without a CLS token.
 * @example
 * const c = resolveViTConfig({ imageSize: 224, patchSize: 16, dim: 768, depth: 12, heads: 12 });
 * c.grid;   // [14, 14]
 * c.tokens; // 197
 */
export function resolveViTConfig(config: ViTConfig): ResolvedViTConfig {
  return resolveConfig(config, 'resolveViTConfig');
}

/** {@link resolveViTConfig} with the calling public function named in errors. Internal. */
export function resolveConfig(config: ViTConfig, fn: string): ResolvedViTConfig {
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new VitValueError(`\`config.${field}\` of ${fn} must be ${expected}. Got ${show(got)}.`, { code: 'VIT_CONFIG' });
  };
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new VitValueError(`\`config\` of ${fn} must be a ViT config object. Got ${show(config)}.`, { code: 'VIT_CONFIG' });
  }
  for (const k of Object.keys(config)) {
    if (!(FIELDS as readonly string[]).includes(k) && !DERIVED.includes(k)) {
      throw new VitValueError(`\`config.${k}\` of ${fn} is not a ViT config field (known: ${FIELDS.join(', ')}).`, { code: 'VIT_CONFIG' });
    }
  }
  const posInt = (field: keyof ViTConfig, dflt?: number): number => {
    const v = config[field] ?? dflt;
    if (v === undefined) return fail(field, 'given (a positive integer)', undefined);
    if (!(Number.isInteger(v) && (v as number) >= 1)) fail(field, 'a positive integer', v);
    return v as number;
  };
  const count = (field: keyof ViTConfig, dflt: number): number => {
    const v = config[field] ?? dflt;
    if (!(Number.isInteger(v) && (v as number) >= 0)) fail(field, 'a non-negative integer', v);
    return v as number;
  };
  const bool = (field: keyof ViTConfig, dflt: boolean): boolean => {
    const v = config[field] ?? dflt;
    if (typeof v !== 'boolean') fail(field, 'true or false', v);
    return v as boolean;
  };
  const oneOf = <T extends string>(field: keyof ViTConfig, values: readonly T[], dflt: T): T => {
    const v = config[field] ?? dflt;
    if (!values.includes(v as T)) fail(field, `one of ${values.map((s) => `'${s}'`).join(' | ')}`, v);
    return v as T;
  };
  const pair = (field: 'imageSize' | 'patchSize'): [number, number] => {
    const v = config[field];
    const p = typeof v === 'number' ? [v, v] : v;
    if (!(Array.isArray(p) && p.length === 2 && p.every((s) => Number.isInteger(s) && s >= 1))) {
      fail(field, 'a positive integer or a pair [h, w] of positive integers', v);
    }
    return [p![0], p![1]];
  };

  const imageSize = pair('imageSize');
  const patchSize = pair('patchSize');
  if (imageSize[0] % patchSize[0] !== 0 || imageSize[1] % patchSize[1] !== 0) {
    fail('imageSize', `a multiple of \`config.patchSize\` (${patchSize[0]}×${patchSize[1]}) on each axis`, imageSize);
  }
  const dim = posInt('dim');
  const depth = posInt('depth');
  const heads = posInt('heads');
  if (dim % heads !== 0) fail('heads', `a divisor of \`config.dim\` = ${dim}`, heads);
  const classToken = bool('classToken', true);
  const registers = count('registers', 0);
  const relPosBias = bool('relPosBias', false);
  const sharedRelPosBias = bool('sharedRelPosBias', false);
  if (relPosBias && sharedRelPosBias) fail('sharedRelPosBias', 'false when `config.relPosBias` is true (per-block and shared tables exclude each other)', sharedRelPosBias);
  const pool = oneOf('pool', ['cls', 'avg'] as const, classToken ? 'cls' : 'avg');
  if (pool === 'cls' && !classToken) fail('pool', "'avg' when `config.classToken` is false", pool);
  const eps = config.layerNormEps ?? 1e-6;
  if (!(typeof eps === 'number' && Number.isFinite(eps) && eps > 0)) fail('layerNormEps', 'a positive number', eps);
  const grid: [number, number] = [imageSize[0] / patchSize[0], imageSize[1] / patchSize[1]];
  const prefixTokens = (classToken ? 1 : 0) + registers;
  const tokens = prefixTokens + grid[0] * grid[1];
  // A resolved config passed back in must agree with itself.
  const given = config as ViTConfig & { grid?: unknown; prefixTokens?: unknown; tokens?: unknown };
  if (given.grid !== undefined && JSON.stringify(given.grid) !== JSON.stringify(grid)) fail('grid', `[${grid.join(',')}] (imageSize / patchSize) or absent`, given.grid);
  if (given.prefixTokens !== undefined && given.prefixTokens !== prefixTokens) fail('prefixTokens', `${prefixTokens} (CLS + registers) or absent`, given.prefixTokens);
  if (given.tokens !== undefined && given.tokens !== tokens) fail('tokens', `${tokens} (prefix + gh·gw) or absent`, given.tokens);
  return {
    imageSize,
    patchSize,
    dim,
    depth,
    heads,
    mlpDim: posInt('mlpDim', 4 * dim),
    mlpAct: oneOf('mlpAct', ['gelu', 'quickGelu'] as const, 'gelu'),
    inChannels: posInt('inChannels', 3),
    classToken,
    registers,
    posEmbed: oneOf('posEmbed', ['learned', 'none'] as const, 'learned'),
    noEmbedClass: bool('noEmbedClass', false),
    preNorm: bool('preNorm', false),
    qkvBias: oneOf('qkvBias', ['qkv', 'qv', 'none'] as const, 'qkv'),
    layerScale: bool('layerScale', false),
    relPosBias,
    sharedRelPosBias,
    finalNorm: oneOf('finalNorm', ['tokens', 'pooled', 'none'] as const, 'tokens'),
    pool,
    numClasses: count('numClasses', 0),
    patchBias: bool('patchBias', true),
    headBias: bool('headBias', true),
    layerNormEps: eps,
    grid,
    prefixTokens,
    tokens,
  };
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
