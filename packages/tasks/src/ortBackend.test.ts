import { afterAll, describe, expect, it } from 'vitest';
import { xorshift32 } from '@vit/test-utils';
import { referenceBackend, tensor } from '@vit/io';
import { ortBackend } from '@vit/io';
import { knnClassify } from './knnClassify.js';
import { matchKeypoints } from './matchKeypoints.js';
import { propagateLabels } from './propagateLabels.js';
import { retrievalPerLayer } from './retrievalPerLayer.js';

const rng = xorshift32;

// The fast backend must give the same answers as the reference one (random data: no near-ties).
describe('tasks on the onnxruntime backend', () => {
  const ort = ortBackend({ intraOpThreads: 1 });
  afterAll(() => ort.dispose?.());
  const r = rng(17);
  const rand = (n: number) => Float32Array.from({ length: n }, () => r() - 0.5);

  it('knnClassify and retrievalPerLayer agree with the reference backend', async () => {
    const train = tensor(rand(300 * 16), [300, 16]);
    const test = tensor(rand(40 * 16), [40, 16]);
    const labels = Array.from({ length: 300 }, () => Math.floor(r() * 6));
    const a = await knnClassify(train, labels, test, { k: 20, chunkSize: 128, backend: ort });
    const b = await knnClassify(train, labels, test, { k: 20, chunkSize: 128, backend: referenceBackend });
    expect(Array.from(a.predictions)).toEqual(Array.from(b.predictions));
    const gnd = Array.from({ length: 40 }, (_, q) => ({ easy: [q, q + 40], hard: [q + 80], junk: [q + 120] }));
    const ra = await retrievalPerLayer([test], [train], gnd, { backend: ort });
    const rb = await retrievalPerLayer([test], [train], gnd, { backend: referenceBackend });
    expect([ra.easy.mAP.data[0], ra.medium.mAP.data[0], ra.hard.mAP.data[0]]).toBeDeepCloseTo([rb.easy.mAP.data[0], rb.medium.mAP.data[0], rb.hard.mAP.data[0]], 1e-6);
  });

  it('propagateLabels and matchKeypoints agree with the reference backend', async () => {
    const frames = Array.from({ length: 4 }, () => tensor(rand(6 * 7 * 8), [6, 7, 8]));
    const first = tensor(Uint8Array.from({ length: 24 * 28 }, (_, i) => ((i % 28) < 10 ? 1 : (i / 28) < 12 ? 2 : 0)), [24, 28]);
    const run = async (backend: typeof ort) => {
      const out: number[][] = [];
      for await (const m of propagateLabels(frames, first, { backend, neighborhood: 3 })) out.push(Array.from(m.data));
      return out;
    };
    expect(await run(ort)).toEqual(await run(referenceBackend));
    const kps = [[3, 4], [20, 9], [27, 27]] as [number, number][];
    const pa = await matchKeypoints(frames[0], frames[1], kps, 28, { backend: ort });
    const pb = await matchKeypoints(frames[0], frames[1], kps, 28, { backend: referenceBackend });
    expect(pa).toEqual(pb);
  });
});
