import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { tensor, VitValueError, writeSafetensors } from '@vit/io';
import { decodeModel, inspectModel, randomViTWeights, writeViT, type ViTConfig } from '@vit/runtime';
import { openModel } from './openModel.js';
import { oneLineRejection } from './internal/testing.js';

const dir = mkdtempSync(join(tmpdir(), 'vit-study-model-'));
const TINY: ViTConfig = { imageSize: 16, patchSize: 8, dim: 16, depth: 2, heads: 2, numClasses: 0 };
const CNN = fileURLToPath(new URL('../../../runtime/fixtures/cnn/model.onnx', import.meta.url));
const sha256 = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

/** A timm-named safetensors checkpoint of the tiny ViT. */
async function checkpoint(name: string, seed: number): Promise<string> {
  const p = join(dir, name);
  await writeSafetensors(p, randomViTWeights(TINY, { seed }));
  return p;
}

describe('openModel', () => {
  const onnx = join(dir, 'tiny.onnx');
  beforeAll(async () => {
    await writeViT(onnx, TINY, undefined, { seed: 3 });
  });

  it('opens an ONNX ViT: shape from inspectModel, sha256 of the file, the default preset', async () => {
    const m = await openModel({ name: 'tiny', method: 'fs', onnx });
    expect(m).toEqual({
      name: 'tiny',
      method: 'fs',
      onnx,
      hash: sha256(onnx),
      source: onnx,
      preset: 'imagenet',
      layers: 2,
      heads: 2,
      dim: 16,
      grid: [2, 2],
      prefix: 1,
      patch: 8,
      imageSize: [16, 16],
      info: await inspectModel(onnx), // handed to the pass's session, which then does not probe again
    });
    expect((await openModel({ name: 't', onnx, preset: 'clip' })).preset).toBe('clip');
  });

  it('says which model is missing', async () => {
    const e = await oneLineRejection(openModel({ name: 'gone', onnx: join(dir, 'gone.onnx') }));
    expect(e.code).toBe('VIT_NOT_FOUND');
    expect(e.message.startsWith('model "gone": ')).toBe(true);
    expect(e.message).toContain(join(dir, 'gone.onnx'));
  });

  it('refuses a file that is not ONNX', async () => {
    const p = join(dir, 'junk.onnx');
    writeFileSync(p, 'not a model at all');
    const e = await oneLineRejection(openModel({ name: 'junk', onnx: p }));
    expect(e.code).toBe('VIT_NOT_ONNX');
    expect(e.file).toBe(p);
  });

  it('refuses a model that is not a ViT in one line naming the file, with the runtime code', async () => {
    const e = await oneLineRejection(openModel({ name: 'cnn', onnx: CNN }));
    expect(e.code).toBe('VIT_NO_ATTENTION');
    expect(e.message).toMatch(new RegExp(`^model "cnn": ${CNN.replace(/[.\\/]/g, '\\$&')}: no self-attention found .*is this a Vision Transformer\\?$`));
  });

  it('builds a checkpoint into the cache, with the family preset, and reuses it while the checkpoint is unchanged', async () => {
    const ckpt = await checkpoint('tiny.safetensors', 1);
    const cacheDir = join(dir, 'cache');
    const config = { name: 'ck', checkpoint: ckpt, builder: { heads: 2 } };
    const m = await openModel(config, { cacheDir });
    const built = join(cacheDir, 'models', 'ck.onnx');
    expect(m.onnx).toBe(built);
    expect(m.hash).toBe(sha256(built));
    expect([m.layers, m.heads, m.dim, m.grid, m.prefix, m.patch]).toEqual([2, 2, 16, [2, 2], 1, 8]);
    // bare timm names are what DINO's releases hold: detected as dino → DINO's evaluation transform
    expect(m.preset).toBe('imagenet-dino');
    expect(m.source).toBe(`${ckpt} (dino) + builder {"heads":2}`);
    // the checkpoint's weights are in the built graph, bit for bit
    const graph = decodeModel(new Uint8Array(readFileSync(built)));
    const w = randomViTWeights(TINY, { seed: 1 });
    for (const name of ['patch_embed.proj.weight', 'pos_embed', 'cls_token']) {
      const init = graph.graph!.initializer!.find((t) => t.name === name)!;
      expect(new Float32Array(new Uint8Array(init.rawData!).slice().buffer)).toEqual(w[name].data);
    }
    const rec = JSON.parse(readFileSync(join(cacheDir, 'models', 'ck.json'), 'utf8')) as { family: string; onnxHash: string };
    expect(rec.family).toBe('dino');
    expect(rec.onnxHash).toBe(m.hash);
    const before = statSync(built).mtimeMs;
    const again = await openModel(config, { cacheDir });
    expect(again).toEqual(m);
    expect(statSync(built).mtimeMs).toBe(before);
    expect((await openModel({ ...config, preset: 'imagenet' }, { cacheDir })).preset).toBe('imagenet');
    // a changed checkpoint is rebuilt
    await writeSafetensors(ckpt, randomViTWeights(TINY, { seed: 2 }));
    const changed = await openModel(config, { cacheDir });
    expect(changed.hash).not.toBe(m.hash);
    expect(changed.hash).toBe(sha256(built));
  });

  it('reads the builder as a checkpoint family or a preset, and names the model in checkpoint errors', async () => {
    const ckpt = await checkpoint('fam.safetensors', 4);
    const cacheDir = join(dir, 'cache2');
    const fam = await openModel({ name: 'fam', checkpoint: ckpt, builder: { family: 'timm', heads: 2 } }, { cacheDir });
    expect(fam.preset).toBe('timm-augreg');
    const e = await oneLineRejection(openModel({ name: 'wrong', checkpoint: ckpt, builder: 'vit_small_patch16_224' }, { cacheDir }));
    expect(e.code).toBe('VIT_WEIGHT_SHAPE');
    expect(e.message.startsWith(`model "wrong": ${ckpt}: `)).toBe(true);
    const d = await oneLineRejection(openModel({ name: 'dino', checkpoint: ckpt, builder: 'dino' }, { cacheDir }));
    expect(d.message.startsWith('model "dino": ')).toBe(true);
  });

  it('reads a .json builder config, and rebuilds when that file changes', async () => {
    const ckpt = await checkpoint('json.safetensors', 5);
    const cacheDir = join(dir, 'cache4');
    const builder = join(dir, 'vit.json');
    writeFileSync(builder, JSON.stringify({ config: TINY, preprocessing: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], inputSize: [3, 16, 16], interpolation: 'bicubic' } }));
    const m = await openModel({ name: 'js', checkpoint: ckpt, builder }, { cacheDir });
    expect([m.layers, m.heads, m.dim]).toEqual([2, 2, 16]);
    const meta = decodeModel(new Uint8Array(readFileSync(m.onnx))).metadataProps!.find((p) => p.key === 'vit.preprocessing')!;
    expect(JSON.parse(meta.value!).mean).toEqual([0.5, 0.5, 0.5]); // the builder's preprocessing, not the family's
    const before = statSync(m.onnx).mtimeMs;
    expect((await openModel({ name: 'js', checkpoint: ckpt, builder }, { cacheDir })).hash).toBe(m.hash);
    expect(statSync(m.onnx).mtimeMs).toBe(before);
    writeFileSync(builder, JSON.stringify({ config: TINY }));
    const rebuilt = await openModel({ name: 'js', checkpoint: ckpt, builder }, { cacheDir });
    expect(rebuilt.hash).not.toBe(m.hash);
    const e = await oneLineRejection(openModel({ name: 'bad', checkpoint: ckpt, builder: { preset: 'vit_tiny' } }, { cacheDir }));
    expect(e.message).toMatch(/^model "bad": `preset` in the object \(models\[\]\.builder of model "bad"\) must be one of vit_small_patch16_224, /);
  });

  it('refuses a checkpoint that is not a ViT', async () => {
    const p = join(dir, 'resnet.safetensors');
    const t = tensor(new Float32Array(4), [1, 1, 2, 2]);
    await writeSafetensors(p, { 'conv1.weight': t, 'layer1.0.conv1.weight': t, 'layer1.0.bn1.running_mean': tensor(new Float32Array(1), [1]) });
    const e = await oneLineRejection(openModel({ name: 'resnet', checkpoint: p }, { cacheDir: join(dir, 'cache3') }));
    expect(e.code).toBe('VIT_WEIGHT_UNKNOWN');
    expect(e.message.startsWith(`model "resnet": ${p}: `)).toBe(true);
  });

  it('needs a cache folder for a checkpoint', async () => {
    const e = await oneLineRejection(openModel({ name: 'x', checkpoint: join(dir, 'tiny.safetensors') }));
    expect(e).toBeInstanceOf(VitValueError);
    expect(e.message).toContain('cacheDir');
  });
});
