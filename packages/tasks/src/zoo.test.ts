// The miniature model zoo (examples/zoo, written by tools/zoo/train_zoo.py): every shipped model is
// read by the instrumentation with the architecture's numbers, is rebuilt exactly by the builder
// from its safetensors, and gives the k-NN accuracy its model card states when the toolkit re-runs
// the card's protocol on the shipped sample.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { contiguous, decodeImage, decodeLabelPng, readSafetensors, tensor, type Tensor } from '@vit/io';
import { ViTSession, buildViT, inferViTConfig, inspectModel, resolveViTConfig } from '@vit/runtime';
import { knnClassify } from './knnClassify.js';

const ZOO = fileURLToPath(new URL('../../../examples/zoo/', import.meta.url));

/** Largest |a − b| over two same-shape tensors (any strides). */
function maxAbsDiff(a: Tensor, b: Tensor): number {
  const [x, y] = [contiguous(a).data, contiguous(b).data];
  let m = 0;
  for (let k = 0; k < x.length; k++) m = Math.max(m, Math.abs(x[k] - y[k]));
  return m;
}
const METHODS = ['fs', 'clip', 'dino', 'mocov3', 'mae', 'beit', 'random'] as const;

interface SampleMeta {
  classes: string[];
  files: string[];
  labels: number[];
  preprocessing: { mean: number[]; std: number[] };
  knnProtocol: { k: number; temperature: number; train: [number, number]; test: [number, number] };
}

interface Card {
  method: string;
  config: { imageSize: number; patchSize: number; dim: number; depth: number; heads: number; mlpDim: number };
  knnSample: { top1: number; k: number; temperature: number; train: [number, number]; test: [number, number] };
  trainingSeconds: number;
  finalLoss: number | null;
}

const meta = JSON.parse(readFileSync(ZOO + 'sample/labels.json', 'utf8')) as SampleMeta;
const card = (m: string): Card => JSON.parse(readFileSync(`${ZOO}${m}.json`, 'utf8')) as Card;
const N = meta.files.length;

/** The sample as the models' input [N,3,32,32]: gray → RGB (decodeImage replicates), /255, ImageNet mean/std. */
let pixels: Tensor<Float32Array>;

beforeAll(async () => {
  const { mean, std } = meta.preprocessing;
  const data = new Float32Array(N * 3 * 32 * 32);
  for (let i = 0; i < N; i++) {
    const img = await decodeImage(readFileSync(`${ZOO}sample/images/${meta.files[i]}`), meta.files[i]);
    expect(img.shape).toEqual([32, 32, 3]);
    const src = img.data;
    for (let c = 0; c < 3; c++) {
      const base = (i * 3 + c) * 1024;
      for (let p = 0; p < 1024; p++) data[base + p] = (src[img.offset + p * 3 + c] / 255 - mean[c]) / std[c];
    }
  }
  pixels = tensor(data, [N, 3, 32, 32]);
});

/** Rows [s, e) of the sample. */
function rows(s: number, e: number): Tensor<Float32Array> {
  return tensor(pixels.data.subarray(s * 3072, e * 3072), [e - s, 3, 32, 32]);
}

describe('the zoo sample', () => {
  it('holds 1000 labelled 32×32 images with 0/1 foreground masks that match the gray values', async () => {
    expect(N).toBe(1000);
    expect(meta.labels.length).toBe(N);
    expect(meta.classes.length).toBe(10);
    // every class is present in both halves of the k-NN protocol
    for (const [s, e] of [meta.knnProtocol.train, meta.knnProtocol.test]) expect(new Set(meta.labels.slice(s, e)).size).toBe(10);
    for (const i of [0, 1, 499, 999]) {
      const mask = decodeLabelPng(readFileSync(`${ZOO}sample/masks/${meta.files[i]}`));
      const gray = decodeLabelPng(readFileSync(`${ZOO}sample/images/${meta.files[i]}`));
      expect(mask.shape).toEqual([32, 32]);
      let fg = 0;
      for (let p = 0; p < 1024; p++) {
        expect(mask.data[p]).toBe(gray.data[p] > 25 ? 1 : 0);
        fg += mask.data[p];
      }
      expect(fg).toBeGreaterThan(20);
      // the 2-pixel zero padding around the 28×28 image
      expect(gray.data[0] + gray.data[31] + gray.data[32 * 31] + gray.data[1023]).toBe(0);
    }
  });
});

/** k-NN top-1 on the sample as the toolkit measured it, by method (filled by the tests below, in order). */
const measured: Partial<Record<(typeof METHODS)[number], number>> = {};

describe.each(METHODS)('zoo model %s', (method) => {
  const onnx = new Uint8Array(readFileSync(`${ZOO}${method}.onnx`));

  it('is read by inspectModel as a 6-block, 3-head, width-96 ViT on an 8×8 grid with a CLS token', async () => {
    const info = await inspectModel(onnx);
    expect({
      layers: info.layers,
      heads: info.heads,
      dim: info.dim,
      grid: info.grid,
      prefixTokens: info.prefixTokens,
      tokens: info.tokens,
      patch: info.patch,
      imageSize: info.imageSize,
      channels: info.input.channels,
    }).toEqual({ layers: 6, heads: 3, dim: 96, grid: [8, 8], prefixTokens: 1, tokens: 65, patch: 4, imageSize: [32, 32], channels: 3 });
    for (const tap of ['attention', 'block'] as const) expect(info.tensors[tap].length).toBe(6);
    const c = card(method);
    expect([c.config.depth, c.config.heads, c.config.dim, c.config.imageSize / c.config.patchSize]).toEqual([6, 3, 96, 8]);
  });

  it('is rebuilt by buildViT from its safetensors (timm names) to 1e-4 on sample images', async () => {
    const ckpt = await readSafetensors(`${ZOO}${method}.safetensors`);
    const config = inferViTConfig(ckpt, { heads: 3 });
    const r = resolveViTConfig(config);
    expect([r.imageSize, r.patchSize, r.dim, r.depth, r.heads, r.mlpDim, r.prefixTokens, r.numClasses]).toEqual([[32, 32], [4, 4], 96, 6, 3, 384, 1, 0]);
    const built = buildViT(config, ckpt, { taps: ['block'] });
    const x = tensor(new Float32Array(rows(0, 6).data), [6, 3, 32, 32]);
    // shift the batch: four sample images and two of the test half
    x.data.set(rows(600, 602).data, 4 * 3072);
    // Every block's output, through the public runtime: the builder's native taps vs the
    // exported graph's instrumented ones.
    const blocks = async (model: string | Uint8Array) => {
      const s = await ViTSession.create(model, { taps: ['block'], intraOpThreads: 1 });
      try {
        return (await s.run(x)).taps.block!;
      } finally {
        await s.close();
      }
    };
    const [got, ref] = [await blocks(built), await blocks(`${ZOO}${method}.onnx`)];
    expect(got.length).toBe(6);
    for (let l = 0; l < 6; l++) {
      expect(got[l].shape).toEqual([6, 65, 96]);
      expect(maxAbsDiff(got[l], ref[l])).toBeLessThanOrEqual(1e-4);
    }
    // not vacuous: the last block's CLS token varies across images
    const last = ref[5];
    let spread = 0;
    for (let d = 0; d < 96; d++) spread = Math.max(spread, Math.abs(last.get(0, 0, d) - last.get(1, 0, d)));
    expect(spread).toBeGreaterThan(1e-2);
  });

  it('gives the model card’s k-NN accuracy (block 6 CLS, k=20, T=0.07, 500/500) within 1 point', async () => {
    const c = card(method);
    const { k, temperature, train, test } = c.knnSample;
    expect([k, temperature, train, test]).toEqual([20, 0.07, [0, 500], [500, 1000]]);
    const session = await ViTSession.create(onnx, { taps: ['block'], layers: [6], batchSize: 250, intraOpThreads: 2 });
    const cls = new Float32Array(N * 96);
    try {
      for (let s = 0; s < N; s += 250) {
        const cap = await session.run(rows(s, s + 250));
        expect(cap.layers).toEqual([6]);
        const block = cap.taps.block![0];
        expect(block.shape).toEqual([250, 65, 96]);
        // the CLS token is token 0 of every image
        for (let b = 0; b < 250; b++) {
          const o = block.offset + b * block.stride[0];
          for (let d = 0; d < 96; d++) cls[(s + b) * 96 + d] = block.data[o + d * block.stride[2]];
        }
      }
    } finally {
      await session.close();
    }
    const feats = tensor(cls, [N, 96]);
    const trainF = tensor(cls.subarray(train[0] * 96, train[1] * 96), [train[1] - train[0], 96]);
    const testF = tensor(cls.subarray(test[0] * 96, test[1] * 96), [test[1] - test[0], 96]);
    expect(feats.size).toBe(N * 96);
    const res = await knnClassify(trainF, meta.labels.slice(...train), testF, {
      k,
      temperature,
      numClasses: 10,
      testLabels: meta.labels.slice(...test),
    });
    expect(Math.abs(res.top1! - c.knnSample.top1)).toBeLessThanOrEqual(0.01);
    // above chance (10 classes): even the untrained ViT's features carry some of the pixels
    expect(res.top1!).toBeGreaterThan(0.2);
    measured[method] = res.top1!;
  });
});

describe('the zoo as a whole', () => {
  it('shows real learning: the supervised model’s k-NN accuracy is well above the untrained one’s', () => {
    expect(measured.fs).toBeDefined();
    expect(measured.random).toBeDefined();
    // 50 of the 500 test images: far outside the ±1-point agreement band of the cards
    expect(measured.fs! - measured.random!).toBeGreaterThan(0.1);
  });
});
