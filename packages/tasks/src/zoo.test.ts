// The miniature model zoo (examples/zoo: tools/zoo/train_zoo.py trains, tools/zoo/export_zoo.py
// exports): every shipped model is read by the instrumentation with the numbers of its card, is
// rebuilt exactly by the builder from its safetensors, and gives the k-NN accuracy and (second
// generation: cards with an `attention` block) the attention distances its card states when the
// toolkit re-measures them on the sample the card names. The targets of issue 15 are checked on
// the re-measured values for second-generation zoos.
//
// VIT_ZOO_DIR=<folder> runs the same tests on another export (e.g. /work/zoo-train/export while the
// training runs); there, only the methods whose card exists are tested.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { contiguous, decodeImage, decodeLabelPng, readSafetensors, tensor, type Tensor } from '@vit/io';
import { ViTSession, buildViT, inferViTConfig, inspectModel, resolveViTConfig } from '@vit/runtime';
import { attentionDistance } from '@vit/attention';
import { knnClassify } from './knnClassify.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const ZOO = process.env.VIT_ZOO_DIR ?? join(REPO, 'examples/zoo');
const ALL = ['fs', 'clip', 'dino', 'mocov3', 'mae', 'beit', 'random'] as const;
type Method = (typeof ALL)[number];
const METHODS: Method[] = process.env.VIT_ZOO_DIR ? ALL.filter((m) => existsSync(join(ZOO, `${m}.json`))) : [...ALL];

/** Largest |a − b| over two same-shape tensors (any strides). */
function maxAbsDiff(a: Tensor, b: Tensor): number {
  const [x, y] = [contiguous(a).data, contiguous(b).data];
  let m = 0;
  for (let k = 0; k < x.length; k++) m = Math.max(m, Math.abs(x[k] - y[k]));
  return m;
}

interface SampleMeta {
  classes: string[];
  files: string[];
  labels: number[];
  preprocessing: { mean: number[]; std: number[] };
  knnProtocol: { k: number; temperature: number; train: [number, number]; test: [number, number] };
}

interface Card {
  method: string;
  final?: boolean;
  config: { imageSize: number; patchSize: number; dim: number; depth: number; heads: number; mlpDim: number };
  knnSample: { top1: number; k: number; temperature: number; train: [number, number]; test: [number, number]; images: string };
  attention?: { grid: [number, number]; uniform: number; perLayer: number[]; perHead: number[][] };
  finalLoss: number | null;
}

const card = (m: string): Card => JSON.parse(readFileSync(join(ZOO, `${m}.json`), 'utf8')) as Card;
const cards = Object.fromEntries(METHODS.map((m) => [m, card(m)])) as Record<Method, Card>;
const first = cards[METHODS[0]];
// every card names the same sample folder (relative to the repository): "examples/zoo/…/sample (…)"
const SAMPLE = join(REPO, first.knnSample.images.split(' ')[0]);
const meta = JSON.parse(readFileSync(join(SAMPLE, 'labels.json'), 'utf8')) as SampleMeta;
const N = meta.files.length;
const S = first.config.imageSize;
const G = S / first.config.patchSize;
const PIX = 3 * S * S;
const secondGeneration = METHODS.every((m) => cards[m].attention !== undefined);

/** The sample as the models' input [N,3,S,S]: RGB (gray replicated by decodeImage), /255, mean/std of the sample. */
let pixels: Tensor<Float32Array>;

beforeAll(async () => {
  const { mean, std } = meta.preprocessing;
  const data = new Float32Array(N * PIX);
  for (let i = 0; i < N; i++) {
    const img = await decodeImage(readFileSync(join(SAMPLE, 'images', meta.files[i])), meta.files[i]);
    expect(img.shape).toEqual([S, S, 3]);
    const src = img.data;
    for (let c = 0; c < 3; c++) {
      const base = (i * 3 + c) * S * S;
      for (let p = 0; p < S * S; p++) data[base + p] = (src[img.offset + p * 3 + c] / 255 - mean[c]) / std[c];
    }
  }
  pixels = tensor(data, [N, 3, S, S]);
});

/** Rows [s, e) of the sample. */
function rows(s: number, e: number): Tensor<Float32Array> {
  return tensor(pixels.data.subarray(s * PIX, e * PIX), [e - s, 3, S, S]);
}

describe('the zoo sample', () => {
  it('holds 1000 labelled images, every class in both k-NN halves, with 0/1 masks', async () => {
    expect(N).toBe(1000);
    expect(meta.labels.length).toBe(N);
    expect(meta.classes.length).toBe(10);
    for (const [s, e] of [meta.knnProtocol.train, meta.knnProtocol.test]) expect(new Set(meta.labels.slice(s, e)).size).toBe(10);
    for (const i of [0, 1, 499, 999]) {
      const mask = decodeLabelPng(readFileSync(join(SAMPLE, 'masks', meta.files[i])));
      expect(mask.shape).toEqual([S, S]);
      let fg = 0;
      for (let p = 0; p < S * S; p++) {
        expect(mask.data[p] <= 1).toBe(true);
        fg += mask.data[p];
      }
      expect(fg).toBeGreaterThan(20);
    }
  });

  it('every card uses the same sample, architecture and k-NN protocol', () => {
    for (const m of METHODS) {
      expect(cards[m].knnSample.images).toBe(first.knnSample.images);
      expect(cards[m].config).toEqual(first.config);
    }
  });
});

/** Per method: k-NN top-1 and mean attention distance [L][H] as the toolkit measured them. */
const measured: Partial<Record<Method, { top1: number; distance?: number[][] }>> = {};

/** Mean distance between two tokens of a g×g grid embedded in the unit square (uniform attention, SPEC 4), by a direct double loop. */
function uniformDistance(g: number): number {
  let s = 0;
  for (let q = 0; q < g * g; q++) {
    for (let k = 0; k < g * g; k++) s += Math.hypot(((q % g) - (k % g)) / (g - 1), (Math.floor(q / g) - Math.floor(k / g)) / (g - 1));
  }
  return s / (g * g) ** 2;
}

describe.each(METHODS)('zoo model %s', (method) => {
  const onnx = new Uint8Array(readFileSync(join(ZOO, `${method}.onnx`)));
  const c = cards[method];
  const { depth, heads, dim, patchSize } = c.config;

  it('is read by inspectModel with the architecture of its card', async () => {
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
    }).toEqual({ layers: depth, heads, dim, grid: [G, G], prefixTokens: 1, tokens: 1 + G * G, patch: patchSize, imageSize: [S, S], channels: 3 });
    for (const tap of ['attention', 'block'] as const) expect(info.tensors[tap].length).toBe(depth);
  });

  it('is rebuilt by buildViT from its safetensors (timm names) to 1e-4 on sample images', async () => {
    const ckpt = await readSafetensors(join(ZOO, `${method}.safetensors`));
    const config = inferViTConfig(ckpt, { heads });
    const r = resolveViTConfig(config);
    expect([r.imageSize, r.patchSize, r.dim, r.depth, r.heads, r.mlpDim, r.prefixTokens, r.numClasses]).toEqual([
      [S, S],
      [patchSize, patchSize],
      dim,
      depth,
      heads,
      c.config.mlpDim,
      1,
      0,
    ]);
    const built = buildViT(config, ckpt, { taps: ['block'] });
    const x = tensor(new Float32Array(rows(0, 6).data), [6, 3, S, S]);
    x.data.set(rows(600, 602).data, 4 * PIX);
    // every block's output, through the public runtime: the builder's native taps vs the exported graph's
    const blocks = async (model: string | Uint8Array) => {
      const s = await ViTSession.create(model, { taps: ['block'], intraOpThreads: 1 });
      try {
        return (await s.run(x)).taps.block!;
      } finally {
        await s.close();
      }
    };
    const [got, ref] = [await blocks(built), await blocks(join(ZOO, `${method}.onnx`))];
    expect(got.length).toBe(depth);
    for (let l = 0; l < depth; l++) {
      expect(got[l].shape).toEqual([6, 1 + G * G, dim]);
      expect(maxAbsDiff(got[l], ref[l])).toBeLessThanOrEqual(1e-4);
    }
    // not vacuous: the last block's CLS token varies across images
    const last = ref[depth - 1];
    let spread = 0;
    for (let d = 0; d < dim; d++) spread = Math.max(spread, Math.abs(last.get(0, 0, d) - last.get(1, 0, d)));
    expect(spread).toBeGreaterThan(1e-2);
  });

  it('gives its card’s k-NN accuracy (block-L CLS, k=20, T=0.07, 500/500) within 1 point, and its attention distances to 1e-3', async () => {
    const { k, temperature, train, test } = c.knnSample;
    expect([k, temperature, train, test]).toEqual([20, 0.07, [0, 500], [500, 1000]]);
    const withAttention = c.attention !== undefined;
    const B = 100;
    const session = await ViTSession.create(onnx, {
      taps: withAttention ? ['attention', 'block'] : ['block'],
      layers: withAttention ? 'all' : [depth],
      batchSize: B,
      intraOpThreads: 2,
    });
    const cls = new Float32Array(N * dim);
    const dist = Array.from({ length: depth }, () => new Float64Array(heads));
    try {
      for (let s = 0; s < N; s += B) {
        const cap = await session.run(rows(s, s + B));
        const block = cap.taps.block![cap.taps.block!.length - 1];
        expect(block.shape).toEqual([B, 1 + G * G, dim]);
        // the CLS token is token 0 of every image
        for (let b = 0; b < B; b++) {
          const o = block.offset + b * block.stride[0];
          for (let d = 0; d < dim; d++) cls[(s + b) * dim + d] = block.data[o + d * block.stride[2]];
        }
        if (withAttention) {
          for (let l = 0; l < depth; l++) {
            const dl = attentionDistance(cap.taps.attention![l], { gh: G, gw: G, prefix: 1 });
            expect(dl.shape).toEqual([B, heads]);
            for (let b = 0; b < B; b++) for (let h = 0; h < heads; h++) dist[l][h] += dl.get(b, h);
          }
        }
      }
    } finally {
      await session.close();
    }
    const trainF = tensor(cls.subarray(train[0] * dim, train[1] * dim), [train[1] - train[0], dim]);
    const testF = tensor(cls.subarray(test[0] * dim, test[1] * dim), [test[1] - test[0], dim]);
    const res = await knnClassify(trainF, meta.labels.slice(...train), testF, {
      k,
      temperature,
      numClasses: 10,
      testLabels: meta.labels.slice(...test),
    });
    expect(Math.abs(res.top1! - c.knnSample.top1)).toBeLessThanOrEqual(0.01);
    measured[method] = { top1: res.top1! };
    if (withAttention) {
      const a = c.attention!;
      expect(a.grid).toEqual([G, G]);
      // the uniform reference of the card, recomputed by a direct double loop
      expect(Math.abs(a.uniform - uniformDistance(G))).toBeLessThanOrEqual(1e-6);
      const perHead = dist.map((row) => Array.from(row, (v) => v / N));
      for (let l = 0; l < depth; l++) for (let h = 0; h < heads; h++) expect(Math.abs(perHead[l][h] - a.perHead[l][h])).toBeLessThanOrEqual(1e-3);
      // distances live in [0, √2] and no head of a softmax over 64 keys is exactly uniform-free
      for (const row of perHead) for (const v of row) expect(v > 0 && v < Math.SQRT2).toBe(true);
      measured[method]!.distance = perHead;
    }
  });
});

describe('the zoo as a whole', () => {
  it.skipIf(!(METHODS.includes('fs') && METHODS.includes('random')))('shows real learning: the supervised model’s k-NN accuracy is well above the untrained one’s', () => {
    expect(measured.fs).toBeDefined();
    expect(measured.random).toBeDefined();
    // 50 of the 500 test images: far outside the ±1-point agreement band of the cards
    expect(measured.fs!.top1 - measured.random!.top1).toBeGreaterThan(0.1);
  });
});

// Issue 15's targets, on the values re-measured above (second-generation zoo: cards with an attention
// summary). Where a model missed a target within the training budget, the zoo README says so with
// the numbers; the misses are listed here and asserted as misses, so the README, this list and the
// models cannot drift apart (a model that starts meeting a target fails this test too).
const MISSES: { local: Method[]; aboveUntrained: Method[] } = {
  local: ['fs', 'clip', 'dino', 'mocov3'], // most local head 0.772, 0.837, 0.869, 0.841 × uniform
  aboveUntrained: ['dino'], // k-NN 9.8% vs the untrained model's 10.4% on the sample (14.7% vs 11.0% on 2,000 held-out scenes)
};

describe.skipIf(!secondGeneration)('the zoo and the targets of issue 15', () => {
  const trained = METHODS.filter((m) => m !== 'random');
  const ratio = (m: Method) => Math.min(...measured[m]!.distance!.flat()) / cards[m].attention!.uniform;
  const listed = (ms: Method[]) => ms.filter((m) => METHODS.includes(m));

  it('has at least 4 heads per block', () => {
    for (const m of METHODS) expect(cards[m].config.heads).toBeGreaterThanOrEqual(4);
  });

  it.skipIf(!(METHODS.includes('fs') && METHODS.includes('random')))('FS k-NN is at least 30 points above the untrained model', () => {
    expect(measured.fs!.top1 - measured.random!.top1).toBeGreaterThanOrEqual(0.3);
  });

  it.skipIf(!METHODS.includes('random'))('every trained model is above the untrained one in k-NN, but for the listed misses', () => {
    expect(trained.filter((m) => !(measured[m]!.top1 > measured.random!.top1))).toEqual(listed(MISSES.aboveUntrained));
  });

  it('every trained model has a head with mean attention distance ≤ 0.75× uniform, but for the listed misses', () => {
    expect(trained.filter((m) => !(ratio(m) <= 0.75))).toEqual(listed(MISSES.local));
  });

  it.skipIf(!METHODS.includes('fs'))('FS’s first layer is more local than its last', () => {
    const d = measured.fs!.distance!;
    const mean = (row: number[]) => row.reduce((s, v) => s + v, 0) / row.length;
    expect(mean(d[0])).toBeLessThan(mean(d[d.length - 1]));
  });
});
