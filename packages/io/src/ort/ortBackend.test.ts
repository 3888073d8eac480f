import { afterAll, describe, expect, it } from 'vitest';
import { VitValueError } from '../errors.js';
import { Prng } from '../prng.js';
import { referenceBackend as ref } from '../referenceBackend.js';
import { tensor } from '../tensor.js';
import type { Matrix } from '../backend.js';
import { ortBackend } from './ortBackend.js';

const rng = (seed: number) => {
  const p = new Prng(seed, 'ortBackend.test');
  return () => p.uniform();
};
function rand(rows: number, cols: number, seed: number, scale = 1): Matrix {
  const r = rng(seed);
  return tensor(Float32Array.from({ length: rows * cols }, () => (2 * r() - 1) * scale), [rows, cols]);
}
/** Small integers, so rows are full of ties. */
function ints(rows: number, cols: number, seed: number, levels: number): Matrix {
  const r = rng(seed);
  return tensor(Float32Array.from({ length: rows * cols }, () => Math.floor(r() * levels)), [rows, cols]);
}
/** Materialise any view row-major (slow, obviously correct). */
function dense(x: Matrix): number[] {
  const out: number[] = [];
  for (let i = 0; i < x.shape[0]; i++) for (let j = 0; j < x.shape[1]; j++) out.push(x.get(i, j));
  return out;
}

const B = ortBackend({ intraOpThreads: 1 });
afterAll(() => B.dispose!());

describe('ortBackend matmul', () => {
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [2, 3, 4],
    [7, 13, 5],
    [64, 100, 33],
    [1, 257, 1],
    [130, 600, 70],
    [0, 3, 4],
    [3, 0, 4],
    [3, 4, 0],
  ];
  for (const [m, k, n] of shapes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        it(`[${m},${k}]·[${k},${n}] transA=${transA} transB=${transB} equals the reference to 1e-4`, async () => {
          const a = transA ? rand(k, m, m * 31 + k) : rand(m, k, m * 31 + k);
          const b = transB ? rand(n, k, n * 17 + k + 1) : rand(k, n, n * 17 + k + 1);
          const got = await B.matmul(a, b, { transA, transB });
          const want = await ref.matmul(a, b, { transA, transB });
          expect(got.shape).toEqual([m, n]);
          // float32 accumulation over k ≤ 600 terms in [-1,1] (|entries| ≲ 25): error well under 2e-4.
          expect(got.data).toBeDeepCloseTo(want.data, 2e-4);
        });
      }
    }
  }

  it('by hand', async () => {
    const a = tensor(Float32Array.from([1, 2, 3, 4]), [2, 2]);
    const b = tensor(Float32Array.from([5, 6, 7, 8]), [2, 2]);
    expect((await B.matmul(a, b)).data).toBeDeepCloseTo([19, 22, 43, 50], 0);
    expect((await B.matmul(a, b, { transA: true })).data).toBeDeepCloseTo([26, 30, 38, 44], 0);
    expect((await B.matmul(a, b, { transB: true })).data).toBeDeepCloseTo([17, 23, 39, 53], 0);
    expect((await B.matmul(a, b, { transA: true, transB: true })).data).toBeDeepCloseTo([23, 31, 34, 46], 0);
  });

  it('accepts non-contiguous views: transposed, strided, offset, flipped', async () => {
    const base = rand(12, 10, 5);
    const other = rand(10, 12, 6);
    const views: [string, Matrix, Matrix][] = [
      ['transposed a', other.transpose(1, 0), rand(10, 7, 7)],
      ['transposed b', base, rand(7, 10, 8).transpose(1, 0)],
      ['both transposed', other.transpose(1, 0), rand(7, 10, 8).transpose(1, 0)],
      ['row-strided a', base.step(2, 1), rand(10, 3, 9)],
      ['column-strided a', base.hi(12, 10).step(1, 2), rand(5, 3, 10)],
      ['offset a (lo)', base.lo(3, 0), rand(10, 4, 11)],
      ['offset b (lo/hi)', rand(4, 12, 12), base.lo(0, 0).hi(12, 6)],
      ['flipped a', base.step(-1, 1), rand(10, 2, 13)],
    ];
    for (const [what, a, b] of views) {
      for (const transB of [false, true]) {
        const bb = transB ? b.transpose(1, 0) : b;
        const got = await B.matmul(a, bb, { transB });
        const want = await ref.matmul(tensor(Float32Array.from(dense(a)), a.shape), tensor(Float32Array.from(dense(bb)), bb.shape), { transB });
        expect(got.shape, what).toEqual(want.shape);
        expect(got.data, what).toBeDeepCloseTo(want.data, 1e-4);
      }
    }
  });

  it('a transposed view with transA cancels out: (aᵀ)ᵀ·b = a·b', async () => {
    const a = rand(5, 9, 21);
    const b = rand(9, 4, 23);
    const got = await B.matmul(a.transpose(1, 0), b, { transA: true });
    expect(got.shape).toEqual([5, 4]);
    expect(got.data).toBeDeepCloseTo((await ref.matmul(a, b)).data, 1e-4);
  });

  it('does not modify its inputs', async () => {
    const a = rand(6, 5, 30);
    const b = rand(5, 6, 31);
    const a0 = Float32Array.from(a.data);
    const b0 = Float32Array.from(b.data);
    await B.matmul(a, b);
    await B.gram(a);
    await B.nearest(a, b.transpose(1, 0));
    expect(a.data).toEqual(a0);
    expect(b.data).toEqual(b0);
  });

  it('rejects mismatched inner dimensions and non-2-D input with a VitValueError', async () => {
    const a = rand(2, 3, 1);
    await expect(B.matmul(a, rand(2, 3, 2))).rejects.toThrow(VitValueError);
    await expect(B.matmul(a, rand(2, 3, 2))).rejects.toThrow('`b` of ortBackend.matmul must have 3 rows (after transB) to match `a`. Got [2,3] · [2,3].');
    await expect(B.matmul(tensor(new Float32Array(8), [2, 2, 2]), a)).rejects.toThrow(
      '`a` of ortBackend.matmul must be a 2-D tensor [rows,cols]. Got shape [2,2,2].',
    );
    await expect(B.matmul(null as unknown as Matrix, a)).rejects.toThrow(/`a` of ortBackend.matmul must be a 2-D ndarray tensor/);
  });
});

describe('ortBackend gram and rowNorms', () => {
  it.each([
    [1, 1],
    [5, 3],
    [40, 77],
    [0, 4],
    [3, 0],
  ])('gram [%i,%i] equals the reference to 1e-4', async (n, d) => {
    const x = rand(n, d, n * 7 + d);
    const got = await B.gram(x);
    expect(got.shape).toEqual([n, n]);
    expect(got.data).toBeDeepCloseTo((await ref.gram(x)).data, 1e-4);
  });
  it('gram of transposed and strided views', async () => {
    const x = rand(30, 20, 3);
    for (const v of [x.transpose(1, 0), x.step(3, 2), x.lo(1, 1)]) {
      const want = await ref.gram(tensor(Float32Array.from(dense(v)), v.shape));
      expect((await B.gram(v)).data).toBeDeepCloseTo(want.data, 1e-4);
    }
  });
  it('rowNorms by hand and on views', async () => {
    expect(await B.rowNorms(tensor(Float32Array.from([3, 4, 0, 0, 1, 0]), [3, 2]))).toBeDeepCloseTo([5, 0, 1], 1e-7);
    const x = rand(9, 11, 4);
    expect(await B.rowNorms(x)).toBeDeepCloseTo(await ref.rowNorms(x), 1e-6);
    const v = x.transpose(1, 0);
    expect(await B.rowNorms(v)).toBeDeepCloseTo(await ref.rowNorms(tensor(Float32Array.from(dense(v)), v.shape)), 1e-6);
    expect(await B.rowNorms(tensor(new Float32Array(0), [0, 3]))).toEqual(new Float32Array(0));
  });
});

describe('ortBackend topk, argmin, argmax', () => {
  it('topk by hand with ties to the lower index', async () => {
    const x = tensor(Float32Array.from([1, 3, 3, 0, 5, -1, 2, 2]), [2, 4]);
    const hi = await B.topk(x, 2);
    expect(Array.from(hi.indices)).toEqual([1, 2, 0, 2]);
    expect(hi.values.data).toBeDeepCloseTo([3, 3, 5, 2], 0);
    const lo = await B.topk(x, 3, { largest: false });
    expect(Array.from(lo.indices)).toEqual([3, 0, 1, 1, 2, 3]);
  });

  // Rows full of ties, short and long (onnxruntime switches between a heap and a sort by k and
  // row length), every k regime: indices must equal the reference's (ties → lower index) exactly.
  for (const [n, m] of [
    [1, 1],
    [5, 8],
    [20, 97],
    [6, 1500],
  ] as [number, number][]) {
    for (const largest of [true, false]) {
      it(`topk [${n},${m}] largest=${largest} matches the reference exactly, ties included`, async () => {
        const x = ints(n, m, n * m + +largest, 4);
        for (const k of new Set([1, 2, m >> 3, m >> 1, m - 1, m].filter((v) => v >= 1 && v <= m))) {
          const got = await B.topk(x, k, { largest });
          const want = await ref.topk(x, k, { largest });
          expect(got.values.shape).toEqual([n, k]);
          expect(Array.from(got.indices), `k=${k}`).toEqual(Array.from(want.indices));
          expect(got.values.data).toBeDeepCloseTo(want.values.data, 0);
        }
      });
    }
  }

  it('topk of distinct random values and of a transposed view', async () => {
    const x = rand(13, 50, 9);
    const v = x.transpose(1, 0);
    for (const m of [x, v]) {
      const got = await B.topk(m, 7);
      const want = await ref.topk(tensor(Float32Array.from(dense(m)), m.shape), 7);
      expect(Array.from(got.indices)).toEqual(Array.from(want.indices));
      expect(got.values.data).toBeDeepCloseTo(want.values.data, 0);
    }
  });

  it('topk rejects k out of range and zero rows give empty results', async () => {
    const x = rand(2, 3, 1);
    await expect(B.topk(x, 4)).rejects.toThrow('`k` of ortBackend.topk must be an integer in [1, 3] (the number of columns). Got 4.');
    await expect(B.topk(x, 0)).rejects.toThrow(VitValueError);
    await expect(B.topk(x, 1.5)).rejects.toThrow(VitValueError);
    const e = await B.topk(tensor(new Float32Array(0), [0, 3]), 2);
    expect(e.values.shape).toEqual([0, 2]);
    expect(e.indices.length).toBe(0);
  });

  it('argmin/argmax match the reference with ties (first occurrence)', async () => {
    for (const [n, m, levels] of [
      [1, 1, 3],
      [30, 9, 3],
      [8, 600, 5],
    ]) {
      const x = ints(n, m, n + m, levels);
      expect(Array.from(await B.argmin(x))).toEqual(Array.from(await ref.argmin(x)));
      expect(Array.from(await B.argmax(x))).toEqual(Array.from(await ref.argmax(x)));
    }
    const x = tensor(Float32Array.from([1, 3, 0, 0, 5, -1, 7, 7]), [2, 4]);
    expect(Array.from(await B.argmin(x))).toEqual([2, 1]);
    expect(Array.from(await B.argmax(x))).toEqual([1, 2]);
    expect(Array.from(await B.argmax(x.transpose(1, 0)))).toEqual([1, 0, 1, 1]);
    expect(await B.argmin(tensor(new Float32Array(0), [0, 2]))).toEqual(new Int32Array(0));
    await expect(B.argmin(tensor(new Float32Array(0), [2, 0]))).rejects.toThrow('`x` of ortBackend.argmin must have at least one column. Got shape [2,0].');
  });
});

describe('ortBackend nearest', () => {
  it('by hand', async () => {
    const near = await B.nearest(tensor(Float32Array.from([0, 0, 9, 9, 5, 5]), [3, 2]), tensor(Float32Array.from([1, 1, 10, 10]), [2, 2]));
    expect(Array.from(near.index)).toEqual([0, 1, 0]); // (5,5) is 32 from both: tie → lower index
    expect(near.distance).toBeDeepCloseTo([2, 2, 32], 1e-5);
  });

  it('planted clusters: every point finds its own centre', async () => {
    const r = rng(77);
    const k = 12;
    const d = 24;
    const centres = tensor(Float32Array.from({ length: k * d }, () => (r() * 2 - 1) * 10), [k, d]);
    const n = 500;
    const label = Int32Array.from({ length: n }, () => Math.floor(r() * k));
    const x = new Float32Array(n * d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] = centres.data[label[i] * d + j] + (r() - 0.5) * 0.2;
    const got = await B.nearest(tensor(x, [n, d]), centres);
    expect(Array.from(got.index)).toEqual(Array.from(label));
  });

  it('random data: distances equal the reference, chosen centres are (near-)optimal, chunking changes nothing', async () => {
    const x = rand(300, 16, 41, 3);
    const c = rand(37, 16, 42, 3);
    const want = await ref.nearest(x, c);
    const got = await B.nearest(x, c);
    // ‖x‖²−2x·c+‖c‖² in float32 with norms up to ~50: absolute error below 1e-3.
    expect(got.distance).toBeDeepCloseTo(want.distance, 1e-3);
    const idxEqual = got.index.filter((v, i) => v === want.index[i]).length;
    expect(idxEqual).toBeGreaterThanOrEqual(299); // only float-level near-ties may differ
    const chunked = ortBackend({ intraOpThreads: 1, chunkElements: 37 * 7 });
    const c2 = await chunked.nearest(x, c);
    await chunked.dispose!();
    expect(Array.from(c2.index)).toEqual(Array.from(got.index));
    expect(c2.distance).toEqual(got.distance);
  });

  it('clamps cancellation at 0 and handles views and edge shapes', async () => {
    const x = rand(20, 8, 51, 100);
    const got = await B.nearest(x, x); // every point is its own centre: distance 0, never negative
    expect(Array.from(got.index)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    for (const v of got.distance) expect(v).toBeGreaterThanOrEqual(0);
    expect(got.distance).toBeDeepCloseTo(new Float32Array(20), 0.05);
    const v = rand(8, 20, 52).transpose(1, 0);
    const cv = rand(5, 8, 53);
    expect(Array.from((await B.nearest(v, cv)).index)).toEqual(
      Array.from((await ref.nearest(tensor(Float32Array.from(dense(v)), v.shape), cv)).index),
    );
    const one = await B.nearest(tensor(Float32Array.of(2), [1, 1]), tensor(Float32Array.of(5), [1, 1]));
    expect(Array.from(one.index)).toEqual([0]);
    expect(one.distance).toBeDeepCloseTo([9], 1e-6);
    expect((await B.nearest(tensor(new Float32Array(0), [0, 3]), rand(2, 3, 1))).index.length).toBe(0);
    const zeroD = await B.nearest(tensor(new Float32Array(0), [3, 0]), tensor(new Float32Array(0), [2, 0]));
    expect(Array.from(zeroD.index)).toEqual([0, 0, 0]);
    await expect(B.nearest(rand(2, 3, 1), rand(2, 4, 2))).rejects.toThrow('`c` of ortBackend.nearest must have 3 columns like `x`. Got shape [2,4].');
    await expect(B.nearest(rand(2, 3, 1), tensor(new Float32Array(0), [0, 3]))).rejects.toThrow(VitValueError);
  });
});

describe('ortBackend lifecycle and options', () => {
  it('concurrent first calls share one lazily created session and all succeed', async () => {
    const b = ortBackend({ intraOpThreads: 1 });
    const xs = Array.from({ length: 6 }, (_, i) => rand(4 + i, 5, 100 + i));
    const got = await Promise.all(xs.map((x) => b.gram(x)));
    for (let i = 0; i < xs.length; i++) expect(got[i].data).toBeDeepCloseTo((await ref.gram(xs[i])).data, 1e-5);
    await b.dispose!();
  });

  it('dispose is safe twice and the backend works again afterwards', async () => {
    const b = ortBackend();
    const x = rand(3, 3, 1);
    await b.gram(x);
    await b.dispose!();
    await b.dispose!();
    expect((await b.gram(x)).data).toBeDeepCloseTo((await ref.gram(x)).data, 1e-5);
    await b.dispose!();
  });
  it('rejects bad options', () => {
    expect(() => ortBackend({ intraOpThreads: 0 })).toThrow('`intraOpThreads` of ortBackend must be a positive integer. Got 0.');
    expect(() => ortBackend({ chunkElements: -1 })).toThrow(VitValueError);
  });
  it('an unknown execution provider fails with onnxruntime’s error, not silently', async () => {
    const b = ortBackend({ executionProviders: ['no-such-provider'] });
    await expect(b.gram(rand(2, 2, 1))).rejects.toThrow();
    await b.dispose!();
  });
});
