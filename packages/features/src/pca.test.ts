import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { readNpz, referenceBackend, tensor, VitValueError, type NumericBackend, type Tensor } from '@vit/io';
import { describeAccumulator } from '@vit/test-utils';
import { pca } from './pca.js';
import { PCAAccumulator } from './PCAAccumulator.js';
import { pcaProject } from './pcaProject.js';

const fixture = await readNpz(fileURLToPath(new URL('./pcaFixture.npz', import.meta.url)));
const f64 = (t: Tensor<any>) => Array.from(t.data as ArrayLike<number>);
const train = tensor(Float32Array.from(f64(fixture.train)), fixture.train.shape);
const test = tensor(Float32Array.from(f64(fixture.test)), fixture.test.shape);

/** Rows `[from, to)` of a `[N,D]` tensor. */
const rows = (t: Tensor, from: number, to: number) => tensor(t.data.slice(from * t.shape[1], to * t.shape[1]), [to - from, t.shape[1]]);

/** |cosine| of two axes: 1 when equal up to sign. */
function absCos(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return Math.abs(ab) / Math.sqrt(aa * bb);
}

describe('pca against numpy (eigh and SVD; fixture by tools/pca-fixtures/make_fixture.py)', () => {
  it('components, variances and ratios match numpy.linalg.eigh on the training rows', async () => {
    const r = await pca(train, { k: 4 });
    const want = f64(fixture.components);
    const svd = f64(fixture.svd_components);
    for (let c = 0; c < 4; c++) {
      const got = f64(r.components).slice(c * 12, c * 12 + 12);
      // up to sign: |cos| = 1 within 1e-5; our sign rule equals the fixture's, so the values match too
      expect(absCos(got, want.slice(c * 12, c * 12 + 12))).toBeDeepCloseTo(1, 1e-5);
      expect(absCos(got, svd.slice(c * 12, c * 12 + 12))).toBeDeepCloseTo(1, 1e-5);
      expect(got).toBeDeepCloseTo(want.slice(c * 12, c * 12 + 12), 1e-4);
    }
    const variance = f64(fixture.variance);
    expect(f64(r.explainedVariance).map((v, i) => v / variance[i])).toBeDeepCloseTo([1, 1, 1, 1], 1e-5); // relative 1e-5
    expect(f64(r.explainedVarianceRatio)).toBeDeepCloseTo(f64(fixture.ratio), 1e-5);
    expect(f64(r.mean)).toBeDeepCloseTo(f64(fixture.mean), 1e-4);
    expect(r.projected.shape).toEqual([300, 4]);
  });

  it('projects held-out rows as numpy does (absolute 2e-3 on coordinates of scale ~10)', async () => {
    const model = await pca(train, { k: 4 });
    const p = await pcaProject(test, model);
    expect(p.shape).toEqual([60, 4]);
    expect(f64(p)).toBeDeepCloseTo(f64(fixture.projected_test), 2e-3);
  });

  it('the accumulator over shards (update and updateAsync) equals the one-shot fit', async () => {
    const one = await pca(train, { k: 4 });
    const a = new PCAAccumulator({ k: 4 }).update(rows(train, 0, 77));
    const b = new PCAAccumulator({ k: 4, backend: referenceBackend });
    await b.updateAsync(rows(train, 77, 200));
    b.update(rows(train, 200, 300));
    const m = a.merge(b).result();
    expect(a.seen).toBe(300);
    expect(f64(m.components)).toBeDeepCloseTo(f64(one.components), 1e-4);
    expect(f64(m.explainedVariance)).toBeDeepCloseTo(f64(one.explainedVariance), 1e-3);
  });

  it('goes through the backend it is given (matmul calls counted)', async () => {
    let calls = 0;
    const counting: NumericBackend = { ...referenceBackend, name: 'counting', matmul: (x, y, o) => (calls++, referenceBackend.matmul(x, y, o)) };
    await pca(train, { k: 3, backend: counting });
    expect(calls).toBe(2); // covariance + projection
  });

  it('recovers a planted axis exactly (points on a line through (1,2,2)/3)', async () => {
    const d = new Float32Array(30);
    for (let i = 0; i < 10; i++) [d[i * 3], d[i * 3 + 1], d[i * 3 + 2]] = [(i - 4.5) / 3, (2 * (i - 4.5)) / 3, (2 * (i - 4.5)) / 3];
    const r = await pca(tensor(d, [10, 3]), { k: 1 });
    expect(f64(r.components)).toBeDeepCloseTo([1 / 3, 2 / 3, 2 / 3], 1e-6);
    expect(f64(r.explainedVarianceRatio)).toBeDeepCloseTo([1], 1e-6);
  });

  it('capture input: spatial tokens of the chosen layer are the rows', () => {
    const B = 2, T = 5, D = 3;
    const block = [0, 1].map((l) => tensor(Float32Array.from({ length: B * T * D }, (_, i) => Math.sin(i * (l + 1.3)) * (1 + (i % 3))), [B, T, D]));
    const viaCapture = new PCAAccumulator({ k: 2, layer: 2 }).update({ taps: { block }, grid: { prefix: 1 } }).result();
    const spatial = new Float32Array(B * 4 * D);
    for (let b = 0; b < B; b++) spatial.set(block[1].data.subarray((b * T + 1) * D, (b + 1) * T * D), b * 4 * D);
    const direct = new PCAAccumulator({ k: 2 }).update(tensor(spatial, [B * 4, D])).result();
    expect(f64(viaCapture.components)).toBeDeepCloseTo(f64(direct.components), 1e-6);
  });

  it('bad input: one-line typed errors', async () => {
    await expect(pca(tensor(new Float32Array([1, 2, 3]), [1, 3]))).rejects.toThrow(/at least 2 rows/);
    await expect(pca(train, { k: 13 })).rejects.toThrow(/at most the feature dimension 12/);
    await expect(pca(tensor(Float32Array.from([1, NaN, 3, 4]), [2, 2]))).rejects.toThrow(VitValueError);
    expect(() => new PCAAccumulator({ k: 0 })).toThrow(/`k` of PCAAccumulator/);
    await expect(pcaProject(tensor(new Float32Array(4), [2, 2]), await pca(train))).rejects.toThrow(/fitted on 12/);
  });
});

describeAccumulator('PCAAccumulator', {
  make: () => new PCAAccumulator({ k: 3 }),
  fromJSON: (json) => PCAAccumulator.fromJSON(json as never),
  batches: () => [rows(train, 0, 50), rows(train, 50, 120), rows(train, 120, 170), rows(train, 170, 260)],
  badBatch: () => tensor(new Float32Array(20), [2, 10]),
  // axes up to sign are fixed by the sign rule; variances in the tens: absolute 1e-3
  numbers: (m) => [...f64(m.components), ...f64(m.explainedVariance), ...f64(m.mean)],
  tolerance: 1e-3,
});
