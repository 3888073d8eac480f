import { describe, expect, it } from 'vitest';
import { describeAccumulator, xorshift32 } from '@vit/test-utils';
import { tensor, VitValueError } from '@vit/io';
import { knnClassify } from './knnClassify.js';
import { KnnIndex } from './KnnIndex.js';

const m2 = (rows: number[][]) => tensor(new Float32Array(rows.flat()), [rows.length, rows[0].length]);

const rng = xorshift32;

/** Slow k-NN straight from the definition: sort every train row by cosine, vote exp(s/T). */
function slowKnn(train: number[][], labels: number[], test: number[][], k: number, T: number) {
  const norm = (v: number[]) => {
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };
  const tr = train.map(norm);
  return test.map((q0) => {
    const q = norm(q0);
    const sims = tr.map((t, i) => ({ i, s: Math.fround(t.reduce((a, x, j) => a + x * q[j], 0)) }));
    sims.sort((a, b) => b.s - a.s || a.i - b.i);
    const score = new Map<number, number>();
    for (const { i, s } of sims.slice(0, k)) score.set(labels[i], (score.get(labels[i]) ?? 0) + Math.exp(s / T));
    return [...score.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([c]) => c);
  });
}

describe('knnClassify', () => {
  // test [1,0]; neighbours: a (s=1, class 0), b and c (s=0, class 1), d (s=-1, class 2)
  const train = m2([[1, 0], [0, 1], [0, 1], [-1, 0]]);
  const labels = [0, 1, 1, 2];
  const test = m2([[1, 0]]);

  it('weights votes by exp(s/T): one close neighbour beats two far ones only when T is small enough', async () => {
    // T = 1: class 0 scores e^1 = 2.718 > class 1 scores 2·e^0 = 2
    const a = await knnClassify(train, labels, test, { k: 3, temperature: 1, testLabels: [0] });
    expect(Array.from(a.predictions)).toEqual([0]);
    expect(a.top1).toBe(1);
    // T = 2: class 0 scores e^0.5 = 1.649 < 2
    const b = await knnClassify(train, labels, test, { k: 3, temperature: 2, testLabels: [0] });
    expect(Array.from(b.predictions)).toEqual([1]);
    expect(b.top1).toBe(0);
    expect(b.top5).toBe(1);
    expect(Array.from(b.top5Predictions)).toEqual([1, 0, -1, -1, -1]);
  });

  it('breaks similarity ties by train index and score ties by class index', async () => {
    // both train rows have cosine 1/√2 with the test row
    const tr = m2([[1, 1], [1, -1]]);
    const k1 = await knnClassify(tr, [3, 1], test, { k: 1 });
    expect(Array.from(k1.predictions)).toEqual([3]); // train row 0 comes first
    const k2 = await knnClassify(tr, [3, 1], test, { k: 2 });
    expect(Array.from(k2.predictions)).toEqual([1]); // equal scores → lower class
    expect(Array.from(k2.top5Predictions)).toEqual([1, 3, -1, -1, -1]);
    expect(k2.top1).toBeNull();
  });

  it('normalises features: scaling rows changes nothing', async () => {
    const scaled = m2([[5, 0], [0, 0.1], [0, 3], [-2, 0]]);
    const a = await knnClassify(scaled, labels, m2([[7, 0]]), { k: 3, temperature: 1 });
    expect(Array.from(a.predictions)).toEqual([0]);
  });

  it('matches a slow implementation on random data (top-1 and top-5)', async () => {
    const r = rng(7);
    const n = 60;
    const m = 25;
    const d = 6;
    const tr = Array.from({ length: n }, () => Array.from({ length: d }, () => r() - 0.5));
    const te = Array.from({ length: m }, () => Array.from({ length: d }, () => r() - 0.5));
    const lab = Array.from({ length: n }, () => Math.floor(r() * 7));
    const tl = Array.from({ length: m }, () => Math.floor(r() * 7));
    const slow = slowKnn(tr, lab, te, 10, 0.07);
    const got = await knnClassify(m2(tr), lab, m2(te), { k: 10, testLabels: tl, chunkSize: 17 });
    expect(Array.from(got.predictions)).toEqual(slow.map((c) => c[0]));
    const top5 = slow.map((c) => [...c.slice(0, 5), -1, -1, -1, -1, -1].slice(0, 5));
    expect(Array.from(got.top5Predictions)).toEqual(top5.flat());
    expect(got.top1).toBeDeepCloseTo(slow.filter((c, i) => c[0] === tl[i]).length / m, 1e-12);
    expect(got.top5).toBeDeepCloseTo(slow.filter((c, i) => c.slice(0, 5).includes(tl[i])).length / m, 1e-12);
  });

  it('rejects a label count mismatch, k > n, bad labels and width mismatches', async () => {
    await expect(knnClassify(train, [0, 1, 1], test)).rejects.toMatchObject({ code: 'VIT_LENGTH_MISMATCH', message: expect.stringMatching(/`trainLabels` of knnClassify must have one label per feature row \(4\)\. Got 3/) });
    await expect(knnClassify(train, labels, test, { k: 5 })).rejects.toMatchObject({ code: 'VIT_K_TOO_LARGE' });
    await expect(knnClassify(train, labels, test, { k: 5 })).rejects.toThrow(/`k` of knnClassify must be ≤ the number of train rows \(4\)\. Got 5/);
    await expect(knnClassify(train, [0, 1, -1, 2], test, { k: 1 })).rejects.toThrow(/`trainLabels\[2\]`/);
    await expect(knnClassify(train, labels, test, { k: 1, numClasses: 2 })).rejects.toThrow(/integer in \[0, 2\)\. Got 2/);
    await expect(knnClassify(train, labels, m2([[1, 0, 0]]), { k: 1 })).rejects.toThrow(VitValueError);
    await expect(knnClassify(m2([[0, 1], [1, 0], [NaN, 0]]), [0, 1, 1], test, { k: 1, chunkSize: 2 })).rejects.toMatchObject({ code: 'VIT_NON_FINITE', message: expect.stringMatching(/`train` of knnClassify contains NaN at row 2, column 0/) });
    await expect(knnClassify(train, labels, test, { testLabels: [0, 1] , k: 1 })).rejects.toThrow(/`testLabels` of knnClassify must have one label per feature row \(1\)\. Got 2/);
    await expect(knnClassify(train, labels, test, { temperature: 0, k: 1 })).rejects.toThrow(/`temperature` of knnClassify must be a finite number > 0\. Got 0/);
  });
});

describe('KnnIndex', () => {
  const r = rng(11);
  const n = 90;
  const m = 20;
  const d = 5;
  const tr = Array.from({ length: n }, () => Array.from({ length: d }, () => r() - 0.5));
  const te = Array.from({ length: m }, () => Array.from({ length: d }, () => r() - 0.5));
  const lab = Array.from({ length: n }, () => Math.floor(r() * 4));
  const tl = Array.from({ length: m }, () => Math.floor(r() * 4));
  const batch = (a: number, b: number) => ({ features: [m2(tr.slice(a, b))], labels: lab.slice(a, b) });

  it('streaming over uneven batches equals knnClassify for several k in one pass', async () => {
    const index = new KnnIndex(m2(te), { k: [1, 10, 20, 50], testLabels: tl });
    const cuts = [0, 7, 8, 40, 41, 90];
    for (let c = 0; c + 1 < cuts.length; c++) expect(await index.update(batch(cuts[c], cuts[c + 1]))).toBe(index);
    expect(index.seen).toBe(n);
    const res = index.result();
    expect(res.layers).toEqual([1]);
    expect(res.k).toEqual([1, 10, 20, 50]);
    expect(res.top1.shape).toEqual([1, 4]);
    expect(res.predictions.shape).toEqual([1, 4, m]);
    for (const [i, k] of res.k.entries()) {
      const one = await knnClassify(m2(tr), lab, m2(te), { k, testLabels: tl });
      expect(Array.from(res.predictions.data.subarray(i * m, (i + 1) * m))).toEqual(Array.from(one.predictions));
      expect(Array.from(res.top5Predictions.data.subarray(i * m * 5, (i + 1) * m * 5))).toEqual(Array.from(one.top5Predictions));
      expect(res.top1.data[i]).toBe(one.top1);
      expect(res.top5.data[i]).toBe(one.top5);
    }
  });

  it('takes a Capture: CLS or mean-token rows of the selected block taps, labels from meta', async () => {
    // [B,T,D] taps with T = 3 (CLS + 2 patch tokens); layer 2 holds the data, layer 1 noise.
    const B = n;
    const tok = (rows: number[][], cls: boolean) => {
      const x = new Float32Array(rows.length * 3 * d);
      rows.forEach((row, b) => row.forEach((v, j) => {
        if (cls) x[b * 3 * d + j] = v;
        else { x[(b * 3 + 1) * d + j] = v + 1; x[(b * 3 + 2) * d + j] = v - 1; } // mean of the patch tokens = v
      }));
      return tensor(x, [rows.length, 3, d]);
    };
    const noise = tensor(Float32Array.from({ length: B * 3 * d }, () => r()), [B, 3, d]);
    for (const tokens of ['cls', 'mean'] as const) {
      const index = new KnnIndex([m2(te)], { k: 10, testLabels: tl, layers: [-1], tokens });
      await index.update({ taps: { block: [noise, tok(tr, tokens === 'cls')] }, layers: [11, 12], grid: { prefix: 1 }, meta: { labels: lab } });
      const res = index.result();
      const one = await knnClassify(m2(tr), lab, m2(te), { k: 10, testLabels: tl });
      expect(res.layers).toEqual([12]);
      expect(Array.from(res.predictions.data)).toEqual(Array.from(one.predictions));
    }
  });

  it('answers several layers at once (test given per layer of the updates, a selection applied to both)', async () => {
    const other = tr.map((row) => row.map((v) => -v));
    const otherTest = te.map((row) => row.map((v) => -v + 0.01));
    const index = new KnnIndex([m2(otherTest), m2(te)], { k: 5, testLabels: tl, layers: null });
    await index.update({ features: [m2(other), m2(tr)], labels: lab });
    const res = index.result();
    expect(res.layers).toEqual([1, 2]);
    const a = await knnClassify(m2(other), lab, m2(otherTest), { k: 5, testLabels: tl });
    const b = await knnClassify(m2(tr), lab, m2(te), { k: 5, testLabels: tl });
    expect(Array.from(res.predictions.data)).toEqual([...a.predictions, ...b.predictions]);
    expect(Array.from(res.top1.data)).toEqual([a.top1, b.top1]);
    const sel = new KnnIndex([m2(otherTest), m2(te)], { k: 5, testLabels: tl, layers: [2] });
    await sel.update({ features: [m2(other), m2(tr)], labels: lab });
    expect(sel.result().layers).toEqual([2]);
    expect(Array.from(sel.result().predictions.data)).toEqual(Array.from(b.predictions));
  });

  it('planted structure: rows near their class centre are classified perfectly', async () => {
    const centres = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
    const jitter = () => (r() - 0.5) * 0.1;
    const mk = (count: number) => Array.from({ length: count }, (_, i) => centres[i % 3].map((v) => v + jitter()));
    const index = new KnnIndex(m2(mk(30)), { k: [1, 5], testLabels: Array.from({ length: 30 }, (_, i) => i % 3) });
    await index.update({ features: [m2(mk(60))], labels: Array.from({ length: 60 }, (_, i) => i % 3) });
    expect(Array.from(index.result().top1.data)).toEqual([1, 1]);
  });

  it('concurrent updates and merged shards give the same result as one pass', async () => {
    const one = new KnnIndex(m2(te), { k: [5, 30] });
    await one.update(batch(0, n));
    const a = new KnnIndex(m2(te), { k: [5, 30] });
    await Promise.all([a.update(batch(0, 30)), a.update(batch(30, 50))]);
    const b = new KnnIndex(m2(te), { k: [5, 30] });
    await b.update(batch(50, n));
    expect(a.merge(b)).toBe(a);
    expect(a.seen).toBe(n);
    expect(Array.from(a.result().predictions.data)).toEqual(Array.from(one.result().predictions.data));
    expect(() => a.merge(new KnnIndex(m2(tr.slice(0, m)), { k: [5, 30] }))).toThrow(/same test features/);
  });

  it('k larger than the train rows seen is an error at result(); reset forgets', async () => {
    const index = new KnnIndex(m2(te), { k: 20 });
    await index.update(batch(0, 10));
    expect(() => index.result()).toThrow(/`k` of KnnIndex must be ≤ the number of train rows seen \(10\)\. Got k = 20/);
    await index.update(batch(10, 30));
    expect(index.result().k).toEqual([20]);
    index.reset();
    expect(index.seen).toBe(0);
    expect(() => index.result()).toThrow(expect.objectContaining({ code: 'VIT_EMPTY' }));
  });

  it('rejects a batch of the wrong width, label count, layer set or non-finite values', async () => {
    const index = new KnnIndex(m2(te), { k: 1 });
    await expect(index.update({ features: [m2([[1, 2]])], labels: [0] })).rejects.toMatchObject({ code: 'VIT_SHAPE', message: expect.stringMatching(/must be 5 wide/) });
    await expect(index.update({ features: [m2(tr.slice(0, 3))], labels: [0, 1] })).rejects.toThrow(/`input.labels` of KnnIndex.update must have one label per feature row \(3\)\. Got 2/);
    await expect(index.update({ features: [m2([[NaN, 0, 0, 0, 0]])], labels: [0] })).rejects.toMatchObject({ code: 'VIT_NON_FINITE' });
    await expect(index.update({ taps: { block: [m2(tr.slice(0, 2))] }, meta: { labels: ['cat', 'dog'] } })).rejects.toThrow(/`input.labels\[0\]` of KnnIndex.update must be a non-negative integer\. Got cat/);
    await index.update(batch(0, 3));
    await expect(index.update({ features: [m2(tr.slice(0, 3)), m2(tr.slice(0, 3))], labels: [0, 1, 2] })).rejects.toThrow(/must hold one tensor per selected layer|must stay those of the first update/);
    expect(() => new KnnIndex(m2(te), { testLabels: [1] })).toThrow(/`testLabels` of KnnIndex/);
  });
});

{
  const r = rng(5);
  const d = 4;
  const test = tensor(Float32Array.from({ length: 12 * d }, () => r() - 0.5), [12, d]);
  const testLabels = Array.from({ length: 12 }, () => Math.floor(r() * 3));
  const make = () => new KnnIndex([test, test], { k: [1, 3, 7], testLabels, numClasses: 3, chunkSize: 4 });
  const batchOf = (B: number, width = d) => ({
    features: [0, 1].map(() => tensor(Float32Array.from({ length: B * width }, () => r() - 0.5), [B, width])),
    labels: Array.from({ length: B }, () => Math.floor(r() * 3)),
  });
  const batches = [batchOf(5), batchOf(6), batchOf(3), batchOf(9)];
  describeAccumulator('KnnIndex', {
    make,
    fromJSON: (json, o) => KnnIndex.fromJSON(json, o),
    batches: () => batches,
    badBatch: () => batchOf(3, d + 1),
    numbers: (o) => [...o.top1.data, ...o.top5.data, ...o.predictions.data, ...o.top5Predictions.data],
    tolerance: 0,
  });
}
