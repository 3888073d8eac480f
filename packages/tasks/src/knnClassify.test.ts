import { describe, expect, it } from 'vitest';
import { xorshift32 } from '@vit/test-utils';
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
    await expect(knnClassify(train, [0, 1, 1], test)).rejects.toThrow(/`trainLabels` of knnClassify must have one label per feature row \(4\)\. Got 3/);
    await expect(knnClassify(train, labels, test, { k: 5 })).rejects.toThrow(/`k` of knnClassify must be ≤ the number of train rows \(4\)\. Got 5/);
    await expect(knnClassify(train, [0, 1, -1, 2], test, { k: 1 })).rejects.toThrow(/`trainLabels\[2\]`/);
    await expect(knnClassify(train, labels, test, { k: 1, numClasses: 2 })).rejects.toThrow(/integer in \[0, 2\)\. Got 2/);
    await expect(knnClassify(train, labels, m2([[1, 0, 0]]), { k: 1 })).rejects.toThrow(VitValueError);
    await expect(knnClassify(m2([[0, 1], [1, 0], [NaN, 0]]), [0, 1, 1], test, { k: 1, chunkSize: 2 })).rejects.toThrow(/`train` of knnClassify contains NaN at row 2, column 0/);
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

  it('streaming over uneven chunks equals knnClassify for several k in one pass', async () => {
    const index = new KnnIndex(m2(te), { k: [1, 10, 20, 50], testLabels: tl });
    const cuts = [0, 7, 8, 40, 41, 90];
    for (let c = 0; c + 1 < cuts.length; c++) {
      await index.add(m2(tr.slice(cuts[c], cuts[c + 1])), lab.slice(cuts[c], cuts[c + 1]));
    }
    expect(index.seen).toBe(n);
    const res = index.result();
    expect(res.map((x) => x.k)).toEqual([1, 10, 20, 50]);
    for (const x of res) {
      const one = await knnClassify(m2(tr), lab, m2(te), { k: x.k, testLabels: tl });
      expect(Array.from(x.predictions)).toEqual(Array.from(one.predictions));
      expect(Array.from(x.top5Predictions)).toEqual(Array.from(one.top5Predictions));
      expect(x.top1).toBe(one.top1);
      expect(x.top5).toBe(one.top5);
    }
  });

  it('concurrent adds and merged shards give the same result as one pass', async () => {
    const one = new KnnIndex(m2(te), { k: [5, 30] });
    await one.add(m2(tr), lab);
    const a = new KnnIndex(m2(te), { k: [5, 30] });
    await Promise.all([a.add(m2(tr.slice(0, 30)), lab.slice(0, 30)), a.add(m2(tr.slice(30, 50)), lab.slice(30, 50))]);
    const b = new KnnIndex(m2(te), { k: [5, 30] });
    await b.add(m2(tr.slice(50)), lab.slice(50));
    expect(a.merge(b)).toBe(a);
    expect(a.seen).toBe(n);
    const ra = a.result();
    const ro = one.result();
    for (let i = 0; i < ra.length; i++) expect(Array.from(ra[i].predictions)).toEqual(Array.from(ro[i].predictions));
  });

  it('k larger than the train rows seen is an error at result(); reset forgets', async () => {
    const index = new KnnIndex(m2(te), { k: 20 });
    await index.add(m2(tr.slice(0, 10)), lab.slice(0, 10));
    expect(() => index.result()).toThrow(/`k` of KnnIndex must be ≤ the number of train features \(10\)\. Got k = 20/);
    await index.add(m2(tr.slice(10, 30)), lab.slice(10, 30));
    expect(index.result()[0].k).toBe(20);
    index.reset();
    expect(index.seen).toBe(0);
    expect(() => index.result()).toThrow(/Got k = 20/);
  });

  it('rejects a chunk of the wrong width or label count', async () => {
    const index = new KnnIndex(m2(te), { k: 1 });
    await expect(index.add(m2([[1, 2]]), [0])).rejects.toThrow(/`features` of KnnIndex.add must have shape \[n,5\]/);
    await expect(index.add(m2(tr.slice(0, 3)), [0, 1])).rejects.toThrow(/`labels` of KnnIndex.add must have one label per feature row \(3\)\. Got 2/);
    expect(() => new KnnIndex(m2(te), { testLabels: [1] })).toThrow(/`testLabels` of KnnIndex/);
  });
});
