import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { readImage, tensor, VitValueError, type Tensor } from '@vit/io';
import { preprocess } from '../preprocess/preprocess.js';
import { fixtureDir, fixtureModel, fixtureNpy, maxAbsDiff, rowSumError } from '../instrument/testFixtures.js';
import { ViTSession } from './ViTSession.js';
import type { Capture } from './types.js';

const TOL = 1e-5;
const sessions: ViTSession[] = [];
async function open(name: string, o: Parameters<typeof ViTSession.create>[1] = {}): Promise<ViTSession> {
  const s = await ViTSession.create(fixtureModel(name), { intraOpThreads: 1, decodeWorkers: 2, ...o });
  sessions.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
});

/** Rows `from…from+n` of a [B,...] tensor. */
function rows(t: Tensor<Float32Array>, from: number, n: number): Tensor<Float32Array> {
  const per = t.size / t.shape[0];
  return tensor(t.data.slice(from * per, (from + n) * per), [n, ...t.shape.slice(1)]);
}

describe('ViTSession.run', () => {
  it('returns canonical taps equal to PyTorch’s (sequence-first CLIP graph, in the inference worker)', async () => {
    const s = await open('clip', { taps: ['attention', 'block', 'mlpBranch'] });
    const x = await fixtureNpy('clip', 'input.npy');
    const cap = await s.run(x);
    expect(cap.layers).toEqual([1, 2]);
    expect(cap.grid).toEqual({ gh: 4, gw: 4, prefix: 1, patch: 8 });
    expect(cap.meta.batch).toBe(2);
    for (const l of [1, 2]) {
      expect(maxAbsDiff(cap.taps.attention![l - 1], await fixtureNpy('clip', `attention-${l}.npy`))).toBeLessThan(TOL);
      expect(maxAbsDiff(cap.taps.block![l - 1], await fixtureNpy('clip', `block-${l}.npy`))).toBeLessThan(TOL);
      expect(maxAbsDiff(cap.taps.mlpBranch![l - 1], await fixtureNpy('clip', `mlpBranch-${l}.npy`))).toBeLessThan(TOL);
      expect(rowSumError(cap.taps.attention![l - 1])).toBeLessThan(1e-5);
    }
  });

  it('captures token taps cut to their CLS token as [B,1,D], equal to token 0 of PyTorch’s (sequence-first CLIP graph)', async () => {
    const s = await open('clip', { taps: ['block', 'mlpBranch'], tokens: { mlpBranch: 'cls' } });
    const x = await fixtureNpy('clip', 'input.npy');
    const cap = await s.run(x);
    for (const l of [1, 2]) {
      const ref = await fixtureNpy('clip', `mlpBranch-${l}.npy`);
      const [B, T, D] = ref.shape;
      const first = tensor(new Float32Array(B * D), [B, 1, D]);
      for (let b = 0; b < B; b++) first.data.set(ref.data.subarray(b * T * D, b * T * D + D), b * D);
      expect(cap.taps.mlpBranch![l - 1].shape).toEqual([B, 1, D]);
      expect(maxAbsDiff(cap.taps.mlpBranch![l - 1], first)).toBeLessThan(TOL);
      expect(maxAbsDiff(cap.taps.block![l - 1], await fixtureNpy('clip', `block-${l}.npy`))).toBeLessThan(TOL);
    }
  });

  it('pads a smaller batch for a static-batch graph and returns only the real images', async () => {
    const s = await open('hf', { taps: ['attention'] });
    expect(s.batchSize).toBe(2);
    const x = await fixtureNpy('hf', 'input.npy');
    const cap = await s.run(rows(x, 1, 1));
    expect(cap.taps.attention![0].shape).toEqual([1, 4, 17, 17]);
    expect(maxAbsDiff(cap.taps.attention![0], rows(await fixtureNpy('hf', 'attention-1.npy'), 1, 1))).toBeLessThan(TOL);
    await expect(s.run(tensor(new Float32Array(3 * 3 * 32 * 32), [3, 3, 32, 32]))).rejects.toThrow('must hold 1 to 2 images');
  });

  it('rejects pixels of the wrong shape or dtype with one line', async () => {
    const s = await open('timm', { taps: ['attention'], layers: [1] });
    await expect(s.run(tensor(new Float32Array(2 * 3 * 24 * 24), [2, 3, 24, 24]))).rejects.toThrow(
      '`pixels` of ViTSession.run must have shape [B,3,32,32]. Got [2,3,24,24].',
    );
    await expect(s.run(tensor(new Float64Array(3 * 32 * 32) as never, [1, 3, 32, 32]))).rejects.toThrow('`pixels` of ViTSession.run must be float32. Got float64.');
    await expect(s.run(tensor(new Float32Array(3 * 32 * 32), [3, 32, 32]))).rejects.toBeInstanceOf(VitValueError);
  });

  it('accepts non-contiguous pixels (a transposed view)', async () => {
    const s = await open('timm', { taps: ['attention'], layers: [1] });
    const x = await fixtureNpy('timm', 'input.npy');
    // Store as [B,3,W,H] and view it transposed back to [B,3,H,W].
    const [B, C, H, W] = x.shape;
    const t = new Float32Array(x.size);
    for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) {
      t[((b * C + c) * W + j) * H + i] = x.data[((b * C + c) * H + i) * W + j];
    }
    const view = tensor(t, [B, C, W, H]).transpose(0, 1, 3, 2) as Tensor<Float32Array>;
    const cap = await s.run(view);
    expect(maxAbsDiff(cap.taps.attention![0], await fixtureNpy('timm', 'attention-1.npy'))).toBeLessThan(TOL);
  });

  it('fails with one clear line when CUDA is requested but not installed', async () => {
    const e = await ViTSession.create(fixtureModel('timm'), { device: 'cuda' }).then(
      (s) => (sessions.push(s), undefined),
      (err: Error & { code?: string }) => err,
    );
    // This machine's onnxruntime-node has no CUDA provider; where it has one the session simply opens.
    if (e) {
      expect(e.code).toBe('VIT_DEVICE_UNAVAILABLE');
      expect(e.message).toMatch(/^`device` 'cuda' of ViTSession.create is not available/);
      expect(e.message).not.toContain('\n');
    }
  });

  it('validates options', async () => {
    await expect(ViTSession.create(fixtureModel('timm'), { batchSize: 0 })).rejects.toThrow('`batchSize` of ViTSession.create must be a positive integer. Got 0.');
    await expect(ViTSession.create(fixtureModel('hf'), { batchSize: 4 })).rejects.toThrow('must be at most 2');
    await expect(ViTSession.create(fixtureModel('timm'), { device: 'tpu' as never })).rejects.toThrow("must be 'cpu' or 'cuda'");
    await expect(ViTSession.create(fixtureModel('timm'), { preset: 'vgg' as never })).rejects.toThrow('must be one of imagenet, clip, inception');
  });
});

describe('ViTSession.stream', () => {
  const dir = fixtureDir('images');
  const files = readdirSync(dir).sort().map((f) => dir + f);
  const good = files.filter((f) => !f.includes('broken'));

  it('decodes and preprocesses in workers, batches in order, skips and reports a corrupt image', async () => {
    const s = await open('timm', { taps: ['attention', 'block'], batchSize: 2, preset: 'clip' });
    const stream = s.stream(files.map((path, i) => ({ path, label: i })));
    const caps: Capture[] = [];
    for await (const c of stream) caps.push(c);
    expect(caps.map((c) => c.meta.batch)).toEqual([2, 2, 1]);
    expect(caps.flatMap((c) => c.meta.ids)).toEqual(good);
    expect(caps.flatMap((c) => c.meta.indices)).toEqual([0, 1, 2, 4, 5]);
    expect(caps.flatMap((c) => c.meta.labels)).toEqual([0, 1, 2, 4, 5]);
    expect(stream.skipped).toHaveLength(1);
    expect(stream.skipped[0]).toMatchObject({ index: 3, id: files[3] });
    expect(caps[1].meta.skipped).toEqual(stream.skipped);

    // Same numbers as decoding + preprocessing on the main thread and calling run().
    const images = await Promise.all(good.map((f) => readImage(f)));
    const px = images.map((im) => preprocess(im, { size: 32, preset: 'clip' }));
    const x = new Float32Array(5 * 3 * 32 * 32);
    px.forEach((p, i) => x.set(p.data, i * 3 * 32 * 32));
    const ref = await s.run(tensor(x, [5, 3, 32, 32]));
    let at = 0;
    for (const c of caps) {
      for (const l of [0, 1, 2]) {
        expect(maxAbsDiff(c.taps.attention![l], rows(ref.taps.attention![l], at, c.meta.batch))).toBeLessThan(1e-6);
        expect(maxAbsDiff(c.taps.block![l], rows(ref.taps.block![l], at, c.meta.batch))).toBeLessThan(1e-6);
      }
      at += c.meta.batch;
    }
  });

  it('applies a family transform (Resize → CenterCrop, interpolation, mean/std) in the decode workers', async () => {
    const transform = { resize: 37, cropPct: 0.875, interpolation: 'bilinear', antialias: true, mean: [0.5, 0.4, 0.3], std: [0.2, 0.3, 0.4] } as const;
    const s = await open('timm', { taps: ['block'], layers: [-1], batchSize: 2, transform });
    expect(s.preprocess).toMatchObject({ crop: [32, 32], resize: 37, interpolation: 'bilinear' });
    const caps: Capture[] = [];
    for await (const c of s.stream(good.slice(0, 2))) caps.push(c);
    const images = await Promise.all(good.slice(0, 2).map((f) => readImage(f)));
    const x = new Float32Array(2 * 3 * 32 * 32);
    images.forEach((im, i) => x.set(preprocess(im, { crop: 32, resize: 37, interpolation: 'bilinear', mean: [0.5, 0.4, 0.3], std: [0.2, 0.3, 0.4] }).data, i * 3 * 32 * 32));
    const ref = await s.run(tensor(x, [2, 3, 32, 32]));
    expect(maxAbsDiff(caps[0].taps.block![0], ref.taps.block![0])).toBeLessThan(1e-6);
    await expect(ViTSession.create(fixtureModel('timm'), { transform: { crop: 224 } })).rejects.toThrow(
      "`transform.crop` of ViTSession.create must equal the model's input size 32×32. Got 224",
    );
    await expect(ViTSession.create(fixtureModel('timm'), { transform: { resize: 16 } })).rejects.toThrow("`options.resize` of ViTSession.create must be at least the crop size 32 (the short side after resizing must hold the crop). Got 16.");
  });

  it('takes decoded images and async iterables; pads static batches; non-square input', async () => {
    const s = await open('nonsquare', { taps: ['block'], layers: [-1] });
    const images = await Promise.all(good.slice(0, 3).map((f) => readImage(f)));
    async function* gen() {
      for (const [i, image] of images.entries()) yield { image, id: `im${i}` };
    }
    const caps: Capture[] = [];
    for await (const c of s.stream(gen())) caps.push(c);
    expect(caps.map((c) => c.meta.ids)).toEqual([['im0', 'im1'], ['im2']]);
    expect(caps[1].taps.block![0].shape).toEqual([1, 13, 32]);
    const x = preprocess(images[2], { size: [24, 32] });
    const ref = await s.run(tensor(x.data, [1, 3, 24, 32]));
    expect(maxAbsDiff(caps[1].taps.block![0], ref.taps.block![0])).toBeLessThan(1e-6);
  });

  it('keeps memory bounded: never more than prefetch images decoded ahead of the consumer', async () => {
    const s = await open('timm', { taps: ['attention'], layers: [1], batchSize: 2 });
    let pulled = 0;
    let returned = false;
    function* many() {
      try {
        for (let i = 0; i < 1000; i++) {
          pulled++;
          yield good[i % good.length];
        }
      } finally {
        returned = true;
      }
    }
    let seen = 0;
    for await (const c of s.stream(many(), { prefetch: 4 })) {
      seen += c.meta.batch;
      // Pulled = consumed + one batch in inference + the batch being assembled + prefetch, at most.
      expect(pulled - seen).toBeLessThanOrEqual(2 + 2 + 4 + 1);
      if (seen >= 10) break;
    }
    expect(pulled).toBeLessThan(30);
    expect(returned).toBe(true); // breaking out closed the input generator
  });

  it('reuseBuffers: the same captures, written into buffers handed back; a capture kept past its iteration is detached', async () => {
    const s = await open('timm', { taps: ['attention', 'block', 'mlpSkip'], batchSize: 1 });
    const copy = (c: Capture) => Object.values(c.taps).flatMap((ts) => ts!.map((t) => Float32Array.from(t.data.subarray(t.offset, t.offset + t.size))));
    const plain: Float32Array[][] = [];
    for await (const c of s.stream(good)) plain.push(copy(c));
    for (let round = 0; round < 2; round++) {
      // Twice: the second stream starts with the pool the first one filled.
      const reused: Float32Array[][] = [];
      let previous: Capture | undefined;
      for await (const c of s.stream(good, { reuseBuffers: true })) {
        if (previous) expect(previous.taps.attention![0].data.length).toBe(0); // handed back to the worker
        reused.push(copy(c));
        previous = c;
      }
      expect(reused).toHaveLength(good.length);
      reused.forEach((arrays, b) => arrays.forEach((a, i) => expect(maxAbsDiff(tensor(a, [a.length]), tensor(plain[b][i], [a.length]))).toBe(0)));
    }
  });

  it('rejects a string instead of an iterable of paths', () => {
    return open('timm', { taps: ['attention'] }).then((s) => {
      expect(() => s.stream('a.jpg' as never)).toThrow('`images` of ViTSession.stream must be an iterable');
    });
  });
});
