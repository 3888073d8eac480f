import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { parseNpy, type Tensor } from '@vit/io';
import { buildViT } from '../builder/buildViT.js';
import { loadCheckpoint } from './loadCheckpoint.js';
import type { LoadCheckpointOptions } from './types.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/checkpoints/', import.meta.url));
const CASES = readdirSync(FIXTURES).sort();
interface Case {
  path: string;
  options: LoadCheckpointOptions;
  family: string;
  preset: string;
  depth: number;
  final: 'features' | 'logits' | null;
  ignoredIncludes?: string[];
}
const spec = (c: string): Case => JSON.parse(readFileSync(`${FIXTURES}${c}/case.json`, 'utf8'));
const npy = (c: string, f: string) => parseNpy(readFileSync(`${FIXTURES}${c}/${f}`)).tensor as Tensor<Float32Array>;

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const table: string[] = [];

describe('loadCheckpoint reads every release and matches its PyTorch reference (tools/checkpoint-fixtures)', () => {
  it('has a case per naming scheme and format', () => {
    expect(CASES).toEqual([
      'beit', 'clip-openai-jit', 'dino', 'dino-bare-f16', 'dino-student', 'dinov2-reg-bf16', 'hf-beit', 'hf-clip', 'hf-deit-bin', 'hf-dinov2-reg',
      'hf-vit', 'hf-vitmae', 'mae-big-endian', 'mae-views', 'mocov3', 'openclip', 'timm',
    ]);
  });

  it.each(CASES)('%s: family, preset, every attention and block tap ≤ 1e-4', async (c) => {
    const s = spec(c);
    const ckpt = await loadCheckpoint(`${FIXTURES}${c}/${s.path}`, s.options);
    expect(ckpt.family).toBe(s.family);
    expect(ckpt.preprocessing.name).toBe(s.preset);
    const ignored = ckpt.ignored.map((i) => i.key);
    for (const k of s.ignoredIncludes ?? []) expect(ignored, k).toContain(k);
    const bytes = buildViT(ckpt.config, ckpt.weights, { taps: ['attention', 'block'] });
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
    const x = npy(c, 'input.npy');
    let out: Record<string, ort.Tensor>;
    try {
      out = await session.run({ pixel_values: new ort.Tensor('float32', x.data, x.shape) });
    } finally {
      await session.release();
    }
    let worst = 0;
    const names = [];
    for (let l = 1; l <= s.depth; l++) names.push(`attention.${l}`, `block.${l}`);
    if (s.final) names.push(s.final);
    for (const name of names) {
      const want = npy(c, `${name}.npy`);
      expect(out[name].dims, name).toEqual(want.shape);
      const d = maxDiff(out[name].data as Float32Array, want.data);
      expect(d, `${c} ${name}`).toBeLessThanOrEqual(1e-4);
      worst = Math.max(worst, d);
    }
    table.push(`| ${c} | ${ckpt.family} | ${ckpt.description} | ${worst.toExponential(1)} | ${ckpt.preprocessing.name} (${ckpt.preprocessing.normalization}, ${ckpt.preprocessing.interpolation} ${ckpt.preprocessing.resize}/${ckpt.preprocessing.crop}) |`);
  });

  afterAll(() => {
    if (process.env.VIT_CHECKPOINT_TABLE) console.log(table.sort().join('\n'));
  });
});
