import { describe, expect, it } from 'vitest';
import { VitValueError, referenceBackend, tensor } from '@vit/io';
import type { Tensor } from '@vit/io';
import { describeAccumulator } from '@vit/test-utils';
import { MinibatchCKA } from './MinibatchCKAAccumulator.js';
import { minibatchCKA } from './minibatchCKA.js';
import { residualCKA } from './residualCKA.js';
import { Prng } from '@vit/io';

/** `[B,T,D]` seeded normal taps; `mix` adds a shared component so layers are related. */
function taps(B: number, T: number, D: number, seed: number, shared?: Float32Array, mix = 0): Tensor {
  const r = new Prng(seed);
  const d = new Float32Array(B * T * D);
  for (let i = 0; i < d.length; i++) d[i] = r.normal() + (shared ? mix * shared[i % shared.length] : 0);
  return tensor(d, [B, T, D]);
}

/** The rows a token mode makes, built independently with get() (slow, obvious). */
function rowsFor(t: Tensor, mode: 'all' | 'cls' | 'spatial' | 'mean', prefix: number): Tensor {
  const [B, T, D] = t.shape;
  const rows: number[][] = [];
  for (let b = 0; b < B; b++) {
    const row: number[] = [];
    if (mode === 'all') for (let k = 0; k < T; k++) for (let j = 0; j < D; j++) row.push(t.get(b, k, j));
    if (mode === 'cls') for (let j = 0; j < D; j++) row.push(t.get(b, 0, j));
    if (mode === 'spatial') for (let k = prefix; k < T; k++) for (let j = 0; j < D; j++) row.push(t.get(b, k, j));
    if (mode === 'mean') {
      for (let j = 0; j < D; j++) {
        let s = 0;
        for (let k = prefix; k < T; k++) s += t.get(b, k, j);
        row.push(s / (T - prefix));
      }
    }
    rows.push(row);
  }
  return tensor(Float32Array.from(rows.flat()), [B, rows[0].length]);
}

const shared = taps(1, 5, 3, 99).data;
const modelA = (B: number, seed: number) => [taps(B, 5, 3, seed, shared, 1), taps(B, 5, 3, seed + 1, shared, 2)];
const modelB = (B: number, seed: number) => [taps(B, 5, 4, seed + 2), taps(B, 5, 4, seed + 3, shared, 3), taps(B, 5, 4, seed + 4)];

describe('MinibatchCKA', () => {
  for (const mode of ['all', 'cls', 'spatial', 'mean'] as const) {
    it(`'${mode}' tokens: every [a,b] entry equals minibatchCKA on the extracted rows`, async () => {
      const A = modelA(16, 1);
      const Bm = modelB(16, 10);
      // B shares the planted component through layer 2 of each model
      Bm[1] = tensor(Float32Array.from(Bm[1].data, (v, i) => v + A[1].data[Math.floor(i / 4) * 3 + (i % 3)]), [16, 5, 4]);
      const acc = new MinibatchCKA({ tokens: mode, prefix: 1 });
      acc.update(A, Bm);
      const m = acc.result();
      expect(m.shape).toEqual([2, 3]);
      for (let a = 0; a < 2; a++) {
        for (let b = 0; b < 3; b++) {
          const want = await minibatchCKA(rowsFor(A[a], mode, 1), rowsFor(Bm[b], mode, 1));
          expect(m.get(a, b)).toBeDeepCloseTo(want, 1e-5);
        }
      }
    });
  }

  it('updateAsync (backend Grams) gives the same state as update; reference mode too', async () => {
    for (const reference of [false, true]) {
      const s = new MinibatchCKA({ tokens: 'spatial', reference });
      const a = new MinibatchCKA({ tokens: 'spatial', reference, backend: referenceBackend });
      s.update(modelA(16, 3), modelB(16, 4));
      await a.updateAsync(modelA(16, 3), modelB(16, 4));
      expect(a.result().data).toBeDeepCloseTo(s.result().data, 1e-6);
    }
  });

  it('within-model: one list gives a symmetric [L,L] matrix with unit diagonal', () => {
    const acc = new MinibatchCKA().update(modelB(24, 5));
    const m = acc.result();
    expect(m.shape).toEqual([3, 3]);
    for (let i = 0; i < 3; i++) {
      expect(m.get(i, i)).toBeDeepCloseTo(1, 1e-6);
      for (let j = 0; j < 3; j++) expect(m.get(i, j)).toBeDeepCloseTo(m.get(j, i), 1e-7);
    }
  });

  it('drops the trailing partial minibatch of each update and says how many', () => {
    const acc = new MinibatchCKA().update(modelA(10, 6), modelB(10, 7));
    expect(acc.seen).toBe(10);
    expect(acc.dropped).toBe(2);
    expect(() => new MinibatchCKA().update(modelA(5, 1), modelB(5, 1)).result()).toThrow(/no complete minibatch of 8/);
  });

  it('two-model merge equals one pass, and toJSON round-trips', () => {
    const one = new MinibatchCKA({ tokens: 'mean' });
    const x = new MinibatchCKA({ tokens: 'mean' });
    const y = new MinibatchCKA({ tokens: 'mean' });
    for (let s = 0; s < 4; s++) {
      one.update(modelA(8, s), modelB(8, s + 50));
      (s % 2 ? x : y).update(modelA(8, s), modelB(8, s + 50));
    }
    expect(x.merge(y).result().data).toBeDeepCloseTo(one.result().data, 1e-6);
    const back = MinibatchCKA.fromJSON(JSON.parse(JSON.stringify(one.toJSON())));
    expect(back.result().data).toBeDeepCloseTo(one.result().data, 0);
    expect(() => x.merge(new MinibatchCKA({ tokens: 'cls' }))).toThrow(/same options/);
  });

  it('residual CKA: a branch that is a scaled copy of the skip gives 1 on the diagonal', async () => {
    const skip = modelA(16, 8);
    const branch = skip.map((t) => tensor(Float32Array.from(t.data, (v) => -2 * v), t.shape));
    const r = await residualCKA([{ skip, branch }], { tokens: 'all' });
    expect(r.matrix.shape).toEqual([2, 2]);
    expect(r.diagonal).toBeDeepCloseTo([1, 1], 1e-6);
    expect(r.seen).toBe(16);
  });

  it('takes Captures (their block taps, or the tap named by `tap`) exactly as the tap lists', () => {
    const a = modelB(8, 11);
    const b = modelB(8, 12);
    const fromLists = new MinibatchCKA({ batchSize: 4 }).update(a, b).result();
    const fromCaptures = new MinibatchCKA({ batchSize: 4 }).update({ taps: { block: a } }, { taps: { block: b } }).result();
    expect(Array.from(fromCaptures.data)).toEqual(Array.from(fromLists.data));
    const other = new MinibatchCKA({ batchSize: 4, tap: 'attnBranch' }).update({ taps: { attnBranch: a } }).result();
    expect(Array.from(other.data)).toEqual(Array.from(new MinibatchCKA({ batchSize: 4 }).update(a).result().data));
  });

  it('rejects bad input', () => {
    expect(() => new MinibatchCKA().update(modelA(8, 1), modelB(16, 1))).toThrow(/has 16 images but `featsA\[0\]` has 8/);
    const nan = modelA(8, 1);
    nan[1].data[2 * 15 + 4] = NaN;
    expect(() => new MinibatchCKA().update(nan, modelB(8, 1))).toThrow(/layer 2.*NaN in image 2/);
    expect(() => new MinibatchCKA({ tokens: 'cls', prefix: 0 }).update(modelA(8, 1))).toThrow(/no CLS/);
    expect(() => new MinibatchCKA({ tokens: 'sideways' as never })).toThrow(/tokens/);
    const constant = [tensor(new Float32Array(8 * 5 * 3).fill(2), [8, 5, 3]), ...modelA(8, 2)];
    const acc = new MinibatchCKA().update(constant, modelB(8, 3));
    const err = (() => {
      try {
        acc.result();
      } catch (e) {
        return e as VitValueError;
      }
    })();
    expect(err?.code).toBe('VIT_CKA_UNDEFINED');
    expect(err?.message).toMatch(/layer 1 of model A/);
    const nanAcc = new MinibatchCKA({ onUndefined: 'nan' }).update(constant, modelB(8, 3));
    const m = nanAcc.result();
    expect(Number.isNaN(m.get(0, 0))).toBe(true);
    expect(Number.isFinite(m.get(1, 0))).toBe(true);
  });
});

describeAccumulator('MinibatchCKA (within-model)', {
  make: () => new MinibatchCKA({ tokens: 'all', batchSize: 4 }),
  fromJSON: (j, o) => MinibatchCKA.fromJSON(j, o),
  batches: () => [modelB(8, 1), modelB(4, 2), modelB(8, 3), modelB(4, 4)],
  badBatch: () => [taps(8, 6, 4, 1), taps(8, 6, 4, 2), taps(8, 6, 4, 3)],
  numbers: (t) => Array.from(t.data),
  tolerance: 1e-6,
});
