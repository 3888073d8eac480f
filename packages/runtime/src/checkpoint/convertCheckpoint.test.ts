import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tensor } from '@vit/io';
import { randomViTWeights } from '../builder/randomViTWeights.js';
import type { CheckpointTensor } from '../builder/types.js';
import { convertCheckpoint } from './convertCheckpoint.js';
import { loadCheckpoint } from './loadCheckpoint.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/checkpoints/', import.meta.url));
const IO_TORCH = fileURLToPath(new URL('../../../io/fixtures/torch/', import.meta.url));
const t = (...shape: number[]): CheckpointTensor => ({ tensor: tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape), dtype: 'F32' });
const timm = () => {
  const w = randomViTWeights({ imageSize: 32, patchSize: 8, dim: 32, depth: 2, heads: 2 }, { seed: 1 });
  return Object.fromEntries(Object.entries(w).map(([k, v]) => [k, { tensor: v, dtype: 'F32' } as CheckpointTensor]));
};
const convert = (value: Record<string, unknown>, options = {}) => convertCheckpoint({ value: value as never, format: 'torch', file: 'x.pth' }, options);

describe('convertCheckpoint: one line naming the file, the key and what to do', () => {
  it('unknown naming lists the first keys and the families tried', () => {
    expect(() => convert({ 'encoder.foo.weight': t(2, 2), 'encoder.bar': t(3) })).toThrow(
      /^x\.pth: has keys of no known ViT naming scheme \(first: encoder\.foo\.weight, encoder\.bar\); tried timm, dino, mocov3, mae, beit, clip, dinov2, hf-vit, .*; pass family \(--family\)/,
    );
    expect(() => convert({ 'encoder.foo.weight': t(2, 2) })).toThrow(expect.objectContaining({ code: 'VIT_WEIGHT_UNKNOWN', file: 'x.pth' }));
  });

  it('a TorchScript archive of something else gets the re-save command', () => {
    const ts = convertCheckpoint.bind(null, { value: { encoder: { w: t(2, 2), training: true } } as never, format: 'torchscript', file: 'm.pt' });
    expect(ts).toThrow(/^m\.pt: is a TorchScript archive whose modules do not give a known ViT state dict \(first keys: encoder\.w\); re-save it with PyTorch: python -c "import torch; torch\.save\(torch\.jit\.load\('m\.pt', map_location='cpu'\)\.state_dict\(\), 'state_dict\.pth'\)"$/);
  });

  it('a CNN checkpoint says so', () => {
    const resnet = { 'conv1.weight': t(8, 3, 7, 7), 'bn1.running_mean': t(8), 'layer1.0.conv1.weight': t(8, 8, 1, 1), 'fc.weight': t(10, 8) };
    expect(() => convert({ state_dict: resnet })).toThrow(/^x\.pth: is not a Vision Transformer: key 'bn1\.running_mean' belongs to a convolutional network .*; the builder makes ViTs only\.$/);
    expect(() => convert({ 'visual.conv1.weight': t(8, 3, 7, 7), 'visual.layer1.0.conv1.weight': t(8, 8, 1, 1), 'visual.attnpool.c_proj.weight': t(8, 8) })).toThrow(/not a Vision Transformer: key 'visual\.layer1\.0\.conv1\.weight'/);
  });

  it('stray keys of a detected family are named', () => {
    expect(() => convert({ ...timm(), 'blocks.0.attn.foo': t(3) })).toThrow(/^x\.pth: read as dino \(detected\), but 1 key fits no naming scheme: blocks\.0\.attn\.foo; pass family/);
  });

  it('missing tensors and shape mismatches name the key', () => {
    const w = timm();
    delete (w as Record<string, unknown>)['blocks.1.norm2.bias'];
    expect(() => convert(Object.fromEntries(Object.entries(timm()).map(([k, v]) => [k.replace('patch_embed.proj.weight', 'patch_embed.proj.weight'), k === 'patch_embed.proj.weight' ? t(30, 3, 8, 8) : v])))).toThrow(
      /^x\.pth: `heads` is needed: the checkpoint \(width 30\) does not tell the number of heads\. Pass `heads`\.$/,
    );
    expect(() => convert(w, { config: { heads: 2 } })).toThrow(/^x\.pth: lacks the tensor for 'blocks\.1\.norm2\.bias' \(shape \[32\]\) that a ViT with this config needs/);
    const s = timm();
    s['blocks.1.mlp.fc2.bias'] = t(31);
    expect(() => convert(s, { config: { heads: 2 } })).toThrow(/^x\.pth: key 'blocks\.1\.mlp\.fc2\.bias' has shape \[31\], but the config needs \[32\] for 'blocks\.1\.mlp\.fc2\.bias'; check the config/);
    expect(() => convert(s, { config: { heads: 2 } })).toThrow(expect.objectContaining({ code: 'VIT_WEIGHT_SHAPE' }));
    // MoCo-style nesting: the message names the checkpoint's own key
    const m = Object.fromEntries(Object.entries(timm()).map(([k, v]) => [`module.base_encoder.${k}`, v]));
    m['module.base_encoder.blocks.0.attn.proj.weight'] = t(32, 31);
    expect(() => convert({ state_dict: m, arch: 'vit_small' }, { config: { heads: 2 } })).toThrow(/key 'module\.base_encoder\.blocks\.0\.attn\.proj\.weight' has shape \[32,31\]/);
  });

  it('a checkpointKey that is absent lists the entries', () => {
    expect(() => convert({ teacher: timm(), epoch: 3 }, { checkpointKey: 'ema' })).toThrow(/^x\.pth: has no entry 'ema' \(checkpointKey\); its entries are teacher, epoch\./);
  });

  it('a forbidden pickle global names the file and the global', async () => {
    await expect(loadCheckpoint(`${IO_TORCH}system.pth`)).rejects.toThrow(/system\.pth: parseTorchCheckpoint refuses global (posix|os)\.system: .*torch\.save\(model\.state_dict\(\), path\)/);
  });

  it('a missing path and a folder without weights', async () => {
    await expect(loadCheckpoint('/nonexistent/model.pth')).rejects.toMatchObject({ code: 'VIT_NOT_FOUND' });
    const dir = mkdtempSync(join(tmpdir(), 'vit-ckpt-'));
    writeFileSync(join(dir, 'config.json'), '{}');
    await expect(loadCheckpoint(dir)).rejects.toThrow(/holds no weight file; expected model\.safetensors or/);
  });

  it('the DINO student is a different network than the teacher', async () => {
    const teacher = await loadCheckpoint(`${FIXTURES}dino/checkpoint.pth`, { config: { heads: 2 } });
    const student = await loadCheckpoint(`${FIXTURES}dino/checkpoint.pth`, { config: { heads: 2 }, checkpointKey: 'student' });
    expect(teacher.description).toMatch(/entry 'teacher'/);
    expect(student.sources.cls_token).toBe('module.backbone.cls_token');
    expect(teacher.sources.cls_token).toBe('backbone.cls_token');
    expect(teacher.ignored.find((i) => i.key === 'student')?.reason).toMatch(/checkpointKey 'student'/);
  });

  it('reads the OpenAI CLIP TorchScript archive as QuickGELU, OpenCLIP with its config as GELU', async () => {
    const jit = await loadCheckpoint(`${FIXTURES}clip-openai-jit/ViT-T-8.pt`, { config: { heads: 2 } });
    expect(jit.config).toMatchObject({ mlpAct: 'quickGelu', layerNormEps: 1e-5, preNorm: true, patchBias: false, headBias: false, numClasses: 24, heads: 2 });
    expect(jit.preprocessing).toMatchObject({ name: 'clip', normalization: 'clip', interpolation: 'bicubic' });
    const open = await loadCheckpoint(`${FIXTURES}openclip`);
    expect(open.config.mlpAct).toBe('gelu');
    expect(open.files.map((f) => f.split('/').pop())).toEqual(['open_clip_pytorch_model.bin', 'open_clip_config.json']);
  });
});
