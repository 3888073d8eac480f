// The same analyses on the pure-TypeScript reference backend and on the onnxruntime backend
// (float32 accumulation there): results must agree to float32 precision.
import { afterAll, describe, expect, it } from 'vitest';
import { referenceBackend, tensor } from '@vit/io';
import { ortBackend } from '@vit/io';
import { cka } from './cka.js';
import { kmeans } from './kmeans.js';
import { minibatchCKA } from './minibatchCKA.js';
import { MinibatchCKA } from './MinibatchCKAAccumulator.js';
import { Prng } from '@vit/io';
import { randn } from './test/helpers.js';

const ort = ortBackend({ intraOpThreads: 1 });
afterAll(() => ort.dispose?.());

describe('reference vs onnxruntime backend', () => {
  it('cka (feature form with column blocks, and Gram form) and minibatchCKA', async () => {
    const X = randn(300, 230, 1);
    const Y = tensor(Float32Array.from(randn(300, 230, 2).data, (v, i) => v + 0.5 * X.data[i]), [300, 230]);
    for (const form of ['feature', 'gram'] as const) {
      expect(await cka(X, Y, { form, backend: ort })).toBeDeepCloseTo(await cka(X, Y, { form, backend: referenceBackend }), 1e-5);
    }
    expect(await minibatchCKA(X, Y, { backend: ort })).toBeDeepCloseTo(await minibatchCKA(X, Y), 1e-4);
  });

  it('MinibatchCKA.updateAsync on onnxruntime equals update', async () => {
    const r = new Prng(3);
    const taps = () => [0, 1, 2].map(() => tensor(Float32Array.from({ length: 16 * 10 * 6 }, () => r.normal()), [16, 10, 6]));
    const a = taps();
    const b = taps();
    const viaOrt = await new MinibatchCKA({ tokens: 'spatial', backend: ort }).updateAsync(a, b);
    const viaTs = new MinibatchCKA({ tokens: 'spatial' }).update(a, b);
    expect(viaOrt.result().data).toBeDeepCloseTo(viaTs.result().data, 1e-4);
  });

  it('kmeans gives the same partition on both backends', async () => {
    const r = new Prng(4);
    const centres = Array.from({ length: 5 * 20 }, () => 8 * r.normal());
    const X = tensor(Float32Array.from({ length: 200 * 20 }, (_, i) => centres[(Math.floor(i / 20) % 5) * 20 + (i % 20)] + r.normal()), [200, 20]);
    const a = await kmeans(X, { k: 5, seed: 1, backend: ort });
    const b = await kmeans(X, { k: 5, seed: 1, backend: referenceBackend });
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    expect(a.inertia).toBeDeepCloseTo(b.inertia, 1e-3 * b.inertia);
  });
});
