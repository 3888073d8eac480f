import { afterEach, describe, expect, it } from 'vitest';
import { referenceBackend } from './referenceBackend.js';
import { resolveBackend } from './resolveBackend.js';
import { setDefaultBackend } from './setDefaultBackend.js';
import { tensor } from './tensor.js';
import { Prng } from './prng.js';
import type { NumericBackend } from './backend.js';
import { defaultBackendState } from './internal/defaultBackend.js';

afterEach(() => setDefaultBackend(null));

function rand(r: number, c: number, seed: number) {
  const p = new Prng(seed);
  return tensor(Float32Array.from({ length: r * c }, () => 2 * p.uniform() - 1), [r, c]);
}

describe('resolveBackend', () => {
  it('returns an explicit backend as is', async () => {
    const mine: NumericBackend = { ...referenceBackend, name: 'mine' };
    expect(await resolveBackend(mine)).toBe(mine);
  });

  it('defaults to onnxruntime when onnxruntime-node loads (it is a dev dependency here), cached per process', async () => {
    const a = await resolveBackend();
    expect(a.name).toBe('onnxruntime');
    expect(await resolveBackend()).toBe(a);
  });

  it('VIT_BACKEND=reference makes the reference the detected default', async () => {
    const saved = defaultBackendState.detected;
    process.env.VIT_BACKEND = 'reference';
    defaultBackendState.detected = undefined;
    try {
      expect(await resolveBackend()).toBe(referenceBackend);
    } finally {
      delete process.env.VIT_BACKEND;
      defaultBackendState.detected = saved;
    }
  });

  it('setDefaultBackend overrides the default and null restores detection', async () => {
    setDefaultBackend(referenceBackend);
    expect(await resolveBackend()).toBe(referenceBackend);
    setDefaultBackend(null);
    expect((await resolveBackend()).name).toBe('onnxruntime');
  });

  it('the default agrees with the reference on small (reference path) and large (onnxruntime path) inputs', async () => {
    const b = await resolveBackend();
    for (const [m, k, n] of [
      [4, 5, 6],
      [70, 80, 90],
    ]) {
      const x = rand(m, k, m);
      const y = rand(k, n, n);
      // float32 accumulation over ≤ 80 terms in [-1, 1]: error well under 1e-4.
      expect((await b.matmul(x, y)).data).toBeDeepCloseTo((await referenceBackend.matmul(x, y)).data, 1e-4);
      expect((await b.gram(x)).data).toBeDeepCloseTo((await referenceBackend.gram(x)).data, 1e-4);
      const c = rand(7, k, 3);
      expect(Array.from((await b.nearest(x, c)).index)).toEqual(Array.from((await referenceBackend.nearest(x, c)).index));
      expect(Array.from(await b.argmax(x))).toEqual(Array.from(await referenceBackend.argmax(x)));
      expect(Array.from((await b.topk(x, 3)).indices)).toEqual(Array.from((await referenceBackend.topk(x, 3)).indices));
    }
  });
});
