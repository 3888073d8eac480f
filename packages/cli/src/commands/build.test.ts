import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { parseNpy, parseSafetensors, serializeSafetensors, tensor, type Tensor } from '@vit/io';
import { buildViT, randomViTWeights, resolveViTConfig, type ViTConfig } from '@vit/runtime';
import { runCli } from '../runCli.js';
import type { BuildJson } from './build.js';

const FIX = fileURLToPath(new URL('../../../runtime/fixtures/builder/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'vit-build-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
const fresh = (ext = '.onnx') => join(work, `m${n++}${ext}`);

async function vit(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  return { code, out, err };
}

const npy = (c: string, f: string) => parseNpy(new Uint8Array(readFileSync(join(FIX, c, f)))).tensor as Tensor<Float32Array>;

async function logits(file: string, x: Tensor<Float32Array>): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(file, { intraOpNumThreads: 1 });
  try {
    const out = await s.run({ pixel_values: new ort.Tensor('float32', x.data, x.shape) });
    return out.logits.data as Float32Array;
  } finally {
    await s.release();
  }
}

describe('vit build', () => {
  it('converts a timm checkpoint (config inferred) into an ONNX model that matches PyTorch to 1e-5', async () => {
    const out = fresh();
    const weights = join(FIX, 'plain', 'weights.safetensors');
    const r = await vit('build', '--weights', weights, '--heads', '2', '--out', out, '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as BuildJson;
    const config: ViTConfig = JSON.parse(readFileSync(join(FIX, 'plain', 'config.json'), 'utf8'));
    expect(j.config).toEqual(resolveViTConfig(config));
    expect(j).toMatchObject({ out, weights: { source: 'checkpoint', path: weights }, configSource: `read from ${weights} (timm)` });
    expect(j.outputs).toEqual(['attention.1', 'block.1', 'attention.2', 'block.2', 'logits']);
    const bytes = readFileSync(out);
    expect(j.bytes).toBe(bytes.length);
    // The same bytes as the library call with the fixture's own config.
    // (plus the timm family's preprocessing, stored as the model's metadata)
    const p = j.checkpoint!.preprocessing;
    expect(p).toMatchObject({ name: 'timm', normalization: 'inception', interpolation: 'bicubic', crop: 16, resize: 17 });
    const preprocessing = { mean: p.mean, std: p.std, inputSize: [3, 16, 16] as const, interpolation: p.interpolation };
    expect(new Uint8Array(bytes)).toEqual(buildViT(config, parseSafetensors(readFileSync(weights)), { preprocessing }));
    expect(await logits(out, npy('plain', 'input.npy'))).toBeDeepCloseTo(npy('plain', 'logits.npy').data, 1e-5);
    // vit inspect reads the built model with the right numbers.
    const info = await vit('inspect', out, '--json');
    expect(info.code).toBe(0);
    expect(JSON.parse(info.out)).toMatchObject({ layers: 2, heads: 2, dim: 32, tokens: 5, prefixTokens: 1, grid: [2, 2], patch: 8, imageSize: [16, 16] });
  });

  it('vit build then vit extract reproduces the PyTorch taps (registers, non-square grid)', async () => {
    const model = fresh();
    const weights = join(FIX, 'registers', 'weights.safetensors');
    const b = await vit('build', '--weights', weights, '--heads', '2', '--image-size', '24,16', '--out', model);
    expect(b.err).toBe('');
    expect(b.code).toBe(0);
    const dir = fresh('');
    const e = await vit('extract', model, '--pixels', join(FIX, 'registers', 'input.npy'), '--out', dir, '--taps', 'attention,block,attnBranch', '--threads', '1');
    expect(e.err).toBe('');
    expect(e.code).toBe(0);
    for (const tap of ['attention', 'block', 'attnBranch']) {
      for (const l of [1, 2]) {
        const got = parseNpy(new Uint8Array(readFileSync(join(dir, `${tap}-${l}.npy`)))).tensor as Tensor<Float32Array>;
        const want = npy('registers', `${tap}.${l}.npy`);
        expect(got.shape).toEqual(want.shape);
        expect(got.data, `${tap}.${l}`).toBeDeepCloseTo(want.data, 1e-5);
      }
    }
  });

  it('infers CLIP-style checkpoints with --layer-norm-eps and --mlp-act (BF16 weights)', async () => {
    const model = fresh();
    const r = await vit('build', '--weights', join(FIX, 'clip', 'weights.safetensors'), '--heads', '4', '--layer-norm-eps', '1e-5', '--mlp-act', 'quickGelu', '--out', model);
    expect(r.err).toBe('');
    expect(await logits(model, npy('clip', 'input.npy'))).toBeDeepCloseTo(npy('clip', 'logits.npy').data, 1e-5);
    const bad = await vit('build', '--weights', join(FIX, 'clip', 'weights.safetensors'), '--mlp-act', 'relu', '--out', fresh());
    expect(bad.err).toBe('vit build: `--mlp-act` of vit build must be gelu or quickGelu. Got "relu".\n');
  });

  it('--no-strict ignores checkpoint keys the config does not use', async () => {
    const config: ViTConfig = { imageSize: 16, patchSize: 8, dim: 16, depth: 1, heads: 2 };
    const ckpt = join(work, 'with-mask-token.safetensors');
    writeFileSync(ckpt, serializeSafetensors({ ...randomViTWeights(config), mask_token: tensor(new Float32Array(16), [1, 1, 16]) }));
    const strict = await vit('build', '--weights', ckpt, '--heads', '2', '--out', fresh());
    expect(strict.code).toBe(1);
    expect(strict.err).toMatch(/^vit build: .*with-mask-token\.safetensors: read as dino \(detected\), but 1 key fits no naming scheme: mask_token; pass family/);
    const loose = await vit('build', '--weights', ckpt, '--heads', '2', '--no-strict', '--out', fresh(), '--json');
    expect(loose.code).toBe(0);
    expect((JSON.parse(loose.out) as BuildJson).config.depth).toBe(1);
  });

  it('builds from a JSON config with seeded random weights, and prints one line', async () => {
    const cfgFile = fresh('.json');
    const config: ViTConfig = { imageSize: [16, 24], patchSize: 8, dim: 16, depth: 2, heads: 2, registers: 1 };
    writeFileSync(cfgFile, JSON.stringify(config));
    const out = fresh();
    const r = await vit('build', '--config', cfgFile, '--seed', '4', '--taps', 'attention,mlpIn', '--layers', '-1', '--out', out);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      new RegExp(`^wrote ${out.replace(/[.\\/]/g, '\\$&')} \\(0\\.\\d MB\\): ViT dim 16, depth 2, heads 2, patch 8×8, input 16×24, grid 2×3, 8 tokens \\(2 prefix\\), 0\\.01M parameters, random weights \\(seed 4\\); outputs attention, mlpIn × layers -1 and features\\n$`),
    );
    expect(new Uint8Array(readFileSync(out))).toEqual(buildViT(config, undefined, { seed: 4, taps: ['attention', 'mlpIn'], layers: [-1] }));
    // Written atomically: no temporary file left behind.
    expect(readdirSync(work).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('takes a preset name, or { preset, …overrides } in a JSON file', async () => {
    const cfgFile = fresh('.json');
    writeFileSync(cfgFile, JSON.stringify({ preset: 'vit_small_patch16_224', depth: 1, imageSize: 32, numClasses: 0, preprocessing: { mean: [0, 0, 0], std: [1, 1, 1], inputSize: [3, 32, 32], interpolation: 'bilinear' } }));
    const r = await vit('build', '--config', cfgFile, '--out', fresh(), '--json');
    expect(r.err).toBe('');
    const j = JSON.parse(r.out) as BuildJson;
    // patch 384·3·16·16 + 384, cls 384, pos 5·384, one block (2·768 + 384·1152 + 1152 + 384² + 384 + 2·384·1536 + 1536 + 384), norm 768
    expect([j.config.dim, j.config.heads, j.config.depth, j.config.grid, j.parameters]).toEqual([384, 6, 1, [2, 2], 384 * 768 + 384 + 384 + 5 * 384 + 1774464 + 768]);
    const bad = await vit('build', '--config', 'vit_tiny_patch3', '--out', fresh());
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^vit build: `--config` of vit build must be a preset \(vit_small_patch16_224, .*\) or a JSON file\. Got "vit_tiny_patch3", which is neither\.\n$/);
  });

  it('fails with one line naming the problem, and writes nothing', async () => {
    const out = fresh();
    const none = await vit('build', '--out', out);
    expect(none).toEqual({
      code: 1,
      out: '',
      err: 'vit build: `--config` of vit build is required unless --weights is given: a preset (e.g. vit_base_patch16_224) or a JSON config file.\n',
    });
    const cfgFile = fresh('.json');
    writeFileSync(cfgFile, readFileSync(join(FIX, 'plain', 'config.json')));
    const mismatch = await vit('build', '--config', cfgFile, '--weights', join(FIX, 'registers', 'weights.safetensors'), '--out', out);
    expect(mismatch.code).toBe(1);
    expect(mismatch.err).toMatch(/^vit build: .*registers\/weights\.safetensors: key 'pos_embed' has shape \[1,6,32\], but the config needs \[1,5,32\] for 'pos_embed'; check the config \(--config\) against the checkpoint\.\n$/);
    const inconsistent = fresh('.json');
    writeFileSync(inconsistent, JSON.stringify({ imageSize: 20, patchSize: 8, dim: 16, depth: 1, heads: 2 }));
    const r = await vit('build', '--config', inconsistent, '--out', out);
    expect(r.err).toBe('vit build: `config.imageSize` must be a multiple of `config.patchSize` (8×8) on each axis. Got [20,20].\n');
    const notJson = fresh('.json');
    writeFileSync(notJson, '{ dim: 3');
    expect((await vit('build', '--config', notJson, '--out', out)).err).toMatch(/^vit build: `--config` of vit build: .* is not valid JSON \(/);
    expect((await vit('build', '--config', cfgFile, '--taps', 'attention,cls', '--out', out)).err).toMatch(/^vit build: `--taps` of vit build must be a comma list of/);
    expect((await vit('build', '--config', cfgFile, '--image-size', '32,32', '--out', out)).err).toBe(
      'vit build: `--image-size` of vit build applies only when the config is inferred from --weights; with --config, set it in the config.\n',
    );
    expect(existsSync(out)).toBe(false);
    // A directory that does not exist: the atomic write fails cleanly.
    const missingDir = await vit('build', '--config', cfgFile, '--out', join(work, 'no', 'such', 'dir', 'm.onnx'));
    expect(missingDir.code).toBe(1);
    expect(missingDir.err).toMatch(/^vit build: .*m\.onnx/);
  });

  it('requires --out', async () => {
    const r = await vit('build', '--config', 'vit_small_patch16_224');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/required option '--out <file>' not specified/);
  });

  it('builds any release from its checkpoint: a DINO .pth (teacher) and a Hugging Face folder, with the family in --json', async () => {
    const CK = fileURLToPath(new URL('../../../runtime/fixtures/checkpoints/', import.meta.url));
    const out = fresh();
    const r = await vit('build', '--weights', join(CK, 'dino', 'checkpoint.pth'), '--heads', '2', '--out', out, '--json');
    expect(r.err).toBe('');
    const j = JSON.parse(r.out) as BuildJson;
    expect(j.checkpoint).toMatchObject({ family: 'dino', preprocessing: { name: 'dino', normalization: 'imagenet' } });
    expect(j.checkpoint!.ignored.map((i) => i.key)).toContain('student');
    const x = npy('../checkpoints/dino', 'input.npy');
    const s = await ort.InferenceSession.create(out, { intraOpNumThreads: 1 });
    const o = await s.run({ pixel_values: new ort.Tensor('float32', x.data, x.shape) });
    await s.release();
    expect(o['block.2'].data as Float32Array).toBeDeepCloseTo(npy('../checkpoints/dino', 'block.2.npy').data, 1e-4);
    const student = await vit('build', '--weights', join(CK, 'dino', 'checkpoint.pth'), '--heads', '2', '--checkpoint-key', 'student', '--out', fresh(), '--json');
    expect((JSON.parse(student.out) as BuildJson).checkpoint!.description).toMatch(/entry 'student'/);
    const hf = await vit('build', '--weights', join(CK, 'hf-vit'), '--out', fresh());
    expect(hf.err).toBe('');
    expect(hf.out).toMatch(/weights from .*hf-vit \(Hugging Face ViT \(safetensors\), 0 keys ignored, preprocessing config\)/);
    const bad = await vit('build', '--weights', join(CK, 'dino', 'checkpoint.pth'), '--family', 'resnet', '--out', fresh());
    expect(bad.err).toMatch(/^vit build: .*checkpoint\.pth: `--family` must be one of timm, dino/);
  });
});
