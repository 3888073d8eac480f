import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { parseNpy, readSafetensors, tensor, type SafetensorsResult, type Tensor, type TypedArray } from '@vit/io';
import { decodeModel } from '../onnx/proto.js';
import { TAP_NAMES } from '../instrument/types.js';
import { buildViT } from './buildViT.js';
import { randomViTWeights } from './randomViTWeights.js';
import type { ViTConfig } from './types.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/builder/', import.meta.url));
const CASES = readdirSync(FIXTURES).sort();
const npy = (c: string, f: string) => parseNpy(readFileSync(`${FIXTURES}${c}/${f}`)).tensor as Tensor<Float32Array>;
const config = (c: string): ViTConfig => JSON.parse(readFileSync(`${FIXTURES}${c}/config.json`, 'utf8'));
const weights = (c: string) => readSafetensors(`${FIXTURES}${c}/weights.safetensors`);

async function run(bytes: Uint8Array, x: Tensor<Float32Array>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    return await session.run({ pixel_values: new ort.Tensor('float32', x.data, x.shape) });
  } finally {
    await session.release();
  }
}

describe('buildViT matches the PyTorch reference (tools/builder-fixtures)', () => {
  it('has the five cases', () => {
    expect(CASES).toEqual(['beit', 'clip', 'gap', 'plain', 'registers']);
  });

  describe.each(CASES)('%s', (c) => {
    it('every tap of every block and the output agree to 1e-5', async () => {
      const cfg = config(c);
      const bytes = buildViT(cfg, await weights(c), { taps: TAP_NAMES });
      const out = await run(bytes, npy(c, 'input.npy'));
      const final = cfg.numClasses ? 'logits' : 'features';
      const expectedNames = [final];
      for (let l = 1; l <= cfg.depth; l++) for (const tap of TAP_NAMES) expectedNames.push(`${tap}.${l}`);
      expect(Object.keys(out).sort()).toEqual(expectedNames.sort());
      for (const name of expectedNames) {
        const want = npy(c, `${name}.npy`);
        expect(out[name].dims, name).toEqual(want.shape);
        expect(out[name].data as Float32Array, name).toBeDeepCloseTo(want.data, 1e-5);
      }
    });

    it('the batch axis is dynamic: one image gives the first row of the batch', async () => {
      const cfg = config(c);
      const x = npy(c, 'input.npy');
      const one = tensor(x.data.slice(0, x.size / 2), [1, ...x.shape.slice(1)]);
      const out = await run(buildViT(cfg, await weights(c)), one);
      const final = cfg.numClasses ? 'logits' : 'features';
      const want = npy(c, `${final}.npy`);
      expect(out[final].dims).toEqual([1, want.shape[1]]);
      expect(out[final].data as Float32Array).toBeDeepCloseTo(want.data.slice(0, want.shape[1]), 1e-5);
      const att = npy(c, 'attention.2.npy');
      expect(out['attention.2'].data as Float32Array).toBeDeepCloseTo(att.data.slice(0, att.size / 2), 1e-5);
    });
  });

  it("BEiT's relative position index may be absent: the builder generates timm's", async () => {
    const ckpt = await weights('beit');
    const without: SafetensorsResult = { metadata: {}, tensors: { ...ckpt.tensors } };
    for (const k of Object.keys(without.tensors)) if (k.endsWith('relative_position_index')) delete without.tensors[k];
    expect(Object.keys(without.tensors).length).toBe(Object.keys(ckpt.tensors).length - 2);
    const out = await run(buildViT(config('beit'), without), npy('beit', 'input.npy'));
    expect(out.logits.data as Float32Array).toBeDeepCloseTo(npy('beit', 'logits.npy').data, 1e-5);
    expect(out['attention.1'].data as Float32Array).toBeDeepCloseTo(npy('beit', 'attention.1.npy').data, 1e-5);
  });

  it("BEiT's shared relative position bias equals per-block biases that are all the same table", async () => {
    const perBlock: ViTConfig = { imageSize: [16, 24], patchSize: 8, dim: 16, depth: 3, heads: 2, relPosBias: true, qkvBias: 'qv', layerScale: true };
    const w = randomViTWeights(perBlock, { seed: 11 });
    const table = w['blocks.1.attn.relative_position_bias_table'];
    const sharedW: Record<string, Tensor<TypedArray>> = { 'rel_pos_bias.relative_position_bias_table': table };
    for (const [k, v] of Object.entries(w)) {
      if (k.includes('.attn.relative_position_')) {
        if (k.endsWith('_table')) w[k] = table;
      } else sharedW[k] = v;
    }
    const x = tensor(new Float32Array(2 * 3 * 16 * 24).map((_, i) => Math.sin(0.11 * i)), [2, 3, 16, 24]);
    const a = await run(buildViT(perBlock, w, { taps: ['attention'] }), x);
    const b = await run(buildViT({ ...perBlock, relPosBias: false, sharedRelPosBias: true }, sharedW, { taps: ['attention'] }), x);
    for (const name of ['attention.1', 'attention.3', 'features']) expect(b[name].data as Float32Array, name).toBeDeepCloseTo(a[name].data as Float32Array, 1e-6);
    // The table matters: a model without it differs.
    delete sharedW['rel_pos_bias.relative_position_bias_table'];
    const c = await run(buildViT({ ...perBlock, relPosBias: false }, sharedW, { taps: ['attention'] }), x);
    expect(c['attention.1'].data as Float32Array).not.toBeDeepCloseTo(a['attention.1'].data as Float32Array, 1e-3);
  });

  it('takes plain tensors, including strided views, as weights', async () => {
    const ckpt = await weights('plain');
    const plain: Record<string, Tensor<TypedArray>> = {};
    for (const [k, v] of Object.entries(ckpt.tensors)) plain[k] = v.tensor;
    // The same qkv weight, stored transposed and viewed back: values equal, strides not C-order.
    const w = ckpt.tensors['blocks.1.attn.qkv.weight'].tensor as Tensor<Float32Array>;
    const [rows, cols] = w.shape;
    const t = new Float32Array(w.size);
    for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) t[k * rows + r] = w.data[r * cols + k];
    plain['blocks.1.attn.qkv.weight'] = tensor(t, [cols, rows]).transpose(1, 0);
    // float64 is accepted and converted.
    plain['head.weight'] = tensor(Float64Array.from(ckpt.tensors['head.weight'].tensor.data as Float32Array), ckpt.tensors['head.weight'].tensor.shape);
    const out = await run(buildViT(config('plain'), plain), npy('plain', 'input.npy'));
    expect(out.logits.data as Float32Array).toBeDeepCloseTo(npy('plain', 'logits.npy').data, 1e-5);
  });
});

describe('buildViT outputs and metadata', () => {
  const cfg: ViTConfig = { imageSize: [16, 24], patchSize: 8, dim: 16, depth: 3, heads: 2, registers: 1 };

  it('exposes attention and block by default, for the selected layers only', async () => {
    const x = tensor(new Float32Array(3 * 16 * 24).map((_, i) => Math.cos(i)), [1, 3, 16, 24]);
    const all = await run(buildViT(cfg), x);
    expect(Object.keys(all).sort()).toEqual(['attention.1', 'attention.2', 'attention.3', 'block.1', 'block.2', 'block.3', 'features']);
    const T = 2 + 2 * 3;
    expect(all['attention.3'].dims).toEqual([1, 2, T, T]);
    expect(all['block.1'].dims).toEqual([1, T, 16]);
    // Attention rows are probabilities.
    const a = all['attention.2'].data as Float32Array;
    for (let r = 0; r < a.length / T; r++) {
      let s = 0;
      for (let k = 0; k < T; k++) s += a[r * T + k];
      expect(s).toBeCloseTo(1, 5);
    }
    const last = await run(buildViT(cfg, undefined, { layers: [-1], taps: ['mlpIn', 'attnSkip'] }), x);
    expect(Object.keys(last).sort()).toEqual(['attnSkip.3', 'features', 'mlpIn.3']);
    expect(last.features.data as Float32Array).toBeDeepCloseTo(all.features.data as Float32Array, 0);
  });

  it('residual taps add up: attnSkip + attnBranch = mlpSkip, mlpSkip + mlpBranch = block, attnSkip of l+1 = block of l', async () => {
    const x = tensor(new Float32Array(2 * 3 * 16 * 24).map((_, i) => Math.sin(0.37 * i)), [2, 3, 16, 24]);
    const out = await run(buildViT(cfg, undefined, { seed: 3, taps: TAP_NAMES }), x);
    const add = (a: string, b: string) => (out[a].data as Float32Array).map((v, i) => v + (out[b].data as Float32Array)[i]);
    for (const l of [1, 2, 3]) {
      expect(add(`attnSkip.${l}`, `attnBranch.${l}`)).toBeDeepCloseTo(out[`mlpSkip.${l}`].data as Float32Array, 1e-6);
      expect(add(`mlpSkip.${l}`, `mlpBranch.${l}`)).toBeDeepCloseTo(out[`block.${l}`].data as Float32Array, 1e-6);
    }
    expect(out['attnSkip.2'].data as Float32Array).toBeDeepCloseTo(out['block.1'].data as Float32Array, 0);
  });

  it('is opset 17 with the resolved config and preprocessing in metadata_props', () => {
    const preprocessing = { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], inputSize: [3, 16, 24] as const, interpolation: 'bicubic' as const };
    const m = decodeModel(buildViT(cfg, undefined, { preprocessing }));
    expect(m.opsetImport).toEqual([{ domain: '', version: 17 }]);
    const meta = Object.fromEntries(m.metadataProps!.map((p) => [p.key, JSON.parse(p.value)]));
    expect(meta['vit.config']).toMatchObject({ imageSize: [16, 24], patchSize: [8, 8], grid: [2, 3], prefixTokens: 2, tokens: 8, layerNormEps: 1e-6 });
    expect(meta['vit.preprocessing']).toEqual(preprocessing);
    expect(m.graph!.input!.map((i) => i.name)).toEqual(['pixel_values']);
    expect(m.graph!.input![0].type!.tensorType!.shape!.dim).toEqual([{ dimParam: 'batch' }, { dimValue: 3 }, { dimValue: 16 }, { dimValue: 24 }]);
  });

  it('random weights are deterministic for a seed', async () => {
    expect(Object.getPrototypeOf(buildViT(cfg))).toBe(Uint8Array.prototype);
    expect(buildViT(cfg, undefined, { seed: 5 })).toEqual(buildViT(cfg, undefined, { seed: 5 }));
    expect(buildViT(cfg)).toEqual(buildViT(cfg, undefined, { seed: 0 }));
    expect(buildViT(cfg, undefined, { seed: 5 })).not.toEqual(buildViT(cfg, undefined, { seed: 6 }));
  });
});

describe('buildViT bad input', () => {
  const cfg: ViTConfig = { imageSize: 16, patchSize: 8, dim: 16, depth: 2, heads: 2, numClasses: 3 };
  it('refuses bad options with one line naming them', () => {
    expect(() => buildViT(cfg, undefined, { taps: ['attention', 'attn' as never] })).toThrow(/`options.taps` of buildViT must list tap names .* Got "attn"/);
    expect(() => buildViT(cfg, undefined, { seed: 0.5 })).toThrow('`options.seed` of buildViT must be a safe integer. Got 0.5.');
    expect(() => buildViT(cfg, undefined, { preprocessing: null as never })).toThrow(
      '`options.preprocessing` of buildViT must be an object { mean, std, inputSize, interpolation }. Got null.',
    );
    expect(() => buildViT(cfg, undefined, { layers: [3] })).toThrow('`options.layers` of buildViT: layer 3 is out of range (1 to 2).');
    expect(() =>
      buildViT(cfg, undefined, { preprocessing: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5], inputSize: [3, 224, 224], interpolation: 'bicubic' } }),
    ).toThrow('`options.preprocessing.inputSize` of buildViT must be [3, 16, 16] to match the config. Got [3,224,224].');
  });

  it('refuses models above the 2 GB protobuf limit before allocating anything', () => {
    expect(() => buildViT({ imageSize: 224, patchSize: 14, dim: 1280, depth: 32, heads: 16 })).toThrow(
      '`config` of buildViT describes 2.52 GB of float32 weights, above the 2 GB a single ONNX protobuf can hold (ViT-H/14 and larger); write it with writeViT (or vit build), which stores the weights in an external-data file beside the model.',
    );
  });
});
