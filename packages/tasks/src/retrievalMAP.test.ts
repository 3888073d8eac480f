import { describe, expect, it } from 'vitest';
import { describeAccumulator, xorshift32 } from '@vit/test-utils';
import { tensor } from '@vit/io';
import { averagePrecision } from './averagePrecision.js';
import { retrievalMAP } from './retrievalMAP.js';
import type { RetrievalGroundTruth } from './retrievalMAP.js';
import { retrievalPerLayer } from './retrievalPerLayer.js';
import { RetrievalAccumulator } from './RetrievalAccumulator.js';

const m2 = (rows: number[][]) => tensor(new Float32Array(rows.flat()), [rows.length, rows[0].length]);

const rng = xorshift32;

/** A slow transcription of the revisited protocol's compute_map (in1d, junk shift loop, compute_ap). */
function slowMap(sim: number[][], gnd: { ok: readonly number[]; junk: readonly number[] }[], kappas = [1, 5, 10]) {
  let map = 0;
  const pr = kappas.map(() => 0);
  let nempty = 0;
  sim.forEach((row, q) => {
    const ok = gnd[q].ok;
    if (ok.length === 0) {
      nempty++;
      return;
    }
    const ranks = row.map((s, i) => ({ s, i })).sort((a, b) => b.s - a.s || a.i - b.i).map((x) => x.i);
    const pos: number[] = [];
    const junk: number[] = [];
    ranks.forEach((id, p) => {
      if (ok.includes(id)) pos.push(p);
      else if (gnd[q].junk.includes(id)) junk.push(p);
    });
    let k = 0;
    let ij = 0;
    for (let ip = 0; ip < pos.length; ip++) {
      while (ij < junk.length && pos[ip] > junk[ij]) {
        k++;
        ij++;
      }
      pos[ip] -= k;
    }
    let ap = 0;
    pos.forEach((rank, j) => {
      const p0 = rank === 0 ? 1 : j / rank;
      const p1 = (j + 1) / (rank + 1);
      ap += ((p0 + p1) * (1 / ok.length)) / 2;
    });
    map += ap;
    const pos1 = pos.map((p) => p + 1);
    kappas.forEach((kap, j) => {
      const kq = Math.min(Math.max(...pos1), kap);
      pr[j] += pos1.filter((p) => p <= kq).length / kq;
    });
  });
  const n = sim.length - nempty;
  return { mAP: map / n, mP: pr.map((p) => p / n) };
}

describe('averagePrecision', () => {
  it('is the trapezoid rule over junk-adjusted ranks (by hand)', () => {
    // j=0, r=0: (1 + 1)/2; j=1, r=2: (1/2 + 2/3)/2 → (1 + 0.58333)/2
    expect(averagePrecision([0, 2], 2)).toBeDeepCloseTo(0.7916666666666666, 1e-12);
    // a positive never retrieved counts as 0
    expect(averagePrecision([0], 2)).toBeDeepCloseTo(0.5, 1e-12);
    expect(averagePrecision([1], 1)).toBeDeepCloseTo(0.25, 1e-12);
    expect(() => averagePrecision([2, 1], 2)).toThrow(/strictly increasing/);
    expect(() => averagePrecision([0], 0)).toThrow(/`nPos` of averagePrecision/);
  });
});

describe('retrievalMAP', () => {
  // Query 0 ranks the database 0,1,…,7; query 1 ranks it 7,6,…,0; query 2 has no positives.
  const up = [8, 7, 6, 5, 4, 3, 2, 1];
  const sim = m2([up, [...up].reverse(), up]);
  const gnd: RetrievalGroundTruth[] = [
    { easy: [1, 5], hard: [3, 6], junk: [2] },
    { easy: [0], hard: [], junk: [] },
    { easy: [], hard: [], junk: [4] },
  ];

  it('scores hand-built rankings with junk, easy and hard images (by hand)', () => {
    const r = retrievalMAP(gnd, sim);
    // Easy q0: ok {1,5}, junk {2,3,6}: ranks [1, 5−2=3] → AP = ((0+1/2)/2 + (1/3+2/4)/2)/2 = 1/3
    // Easy q1: ok {0} at rank 7 → AP = (0 + 1/8)/2 = 1/16
    expect(r.easy.aps[0]).toBeDeepCloseTo(1 / 3, 1e-12);
    expect(r.easy.aps[1]).toBeDeepCloseTo(1 / 16, 1e-12);
    expect(r.easy.mAP).toBeDeepCloseTo((1 / 3 + 1 / 16) / 2, 1e-12);
    // P@k q0: pos = [2,4]: P@1 = 0/1, P@5 = 2/4, P@10 = 2/4; q1: pos = [8]: 0, 0, 1/8
    expect(r.easy.mP).toBeDeepCloseTo([0, 0.25, (0.5 + 0.125) / 2], 1e-12);
    // Medium q0: ok {1,3,5,6}, junk {2}: ranks [1,2,4,5]
    const apMed = (0.25 + (1 / 2 + 2 / 3) / 2 + (2 / 4 + 3 / 5) / 2 + (3 / 5 + 4 / 6) / 2) / 4;
    expect(r.medium.aps[0]).toBeDeepCloseTo(apMed, 1e-12);
    expect(r.medium.mAP).toBeDeepCloseTo((apMed + 1 / 16) / 2, 1e-12);
    // pos = [2,3,5,6]: P@1 = 0, P@5 = 3/5, P@10 = kq 6 → 4/6
    expect(r.medium.mP).toBeDeepCloseTo([0, (0.6 + 0) / 2, (4 / 6 + 1 / 8) / 2], 1e-12);
    // Hard q0: ok {3,6}, junk {2,1,5}: ranks [1, 3]; q1 and q2 have no hard positives → skipped
    expect(r.hard.mAP).toBeDeepCloseTo(1 / 3, 1e-12);
    expect(r.hard.mP).toBeDeepCloseTo([0, 0.5, 0.5], 1e-12);
    expect(r.hard.skipped).toBe(2);
    expect(Number.isNaN(r.hard.aps[1])).toBe(true);
    expect(r.easy.skipped).toBe(1);
  });

  it('a perfect ranking scores 1 whatever the junk', () => {
    const r = retrievalMAP([{ easy: [0], hard: [2], junk: [1] }], m2([[5, 4, 3, 2, 1]]));
    expect([r.easy.mAP, r.medium.mAP, r.hard.mAP]).toBeDeepCloseTo([1, 1, 1], 1e-12);
    expect(r.medium.mP).toBeDeepCloseTo([1, 1, 1], 1e-12);
  });

  it('matches a slow transcription of the protocol on random data', () => {
    const r = rng(3);
    const nq = 12;
    const ndb = 60;
    const s = Array.from({ length: nq }, () => Array.from({ length: ndb }, () => Math.fround(r())));
    const g: RetrievalGroundTruth[] = s.map(() => {
      const perm = Array.from({ length: ndb }, (_, i) => i).sort(() => r() - 0.5);
      const ne = Math.floor(r() * 5);
      const nh = Math.floor(r() * 5);
      const nj = Math.floor(r() * 8);
      return { easy: perm.slice(0, ne), hard: perm.slice(ne, ne + nh), junk: perm.slice(ne + nh, ne + nh + nj) };
    });
    const got = retrievalMAP(g, m2(s));
    const easy = slowMap(s, g.map((x) => ({ ok: x.easy, junk: [...x.junk, ...x.hard] })));
    const medium = slowMap(s, g.map((x) => ({ ok: [...x.easy, ...x.hard], junk: x.junk })));
    const hard = slowMap(s, g.map((x) => ({ ok: x.hard, junk: [...x.junk, ...x.easy] })));
    expect([got.easy.mAP, ...got.easy.mP]).toBeDeepCloseTo([easy.mAP, ...easy.mP], 1e-12);
    expect([got.medium.mAP, ...got.medium.mP]).toBeDeepCloseTo([medium.mAP, ...medium.mP], 1e-12);
    expect([got.hard.mAP, ...got.hard.mP]).toBeDeepCloseTo([hard.mAP, ...hard.mP], 1e-12);
  });

  it('rejects out-of-range ground truth and a wrong query count, naming the item', () => {
    expect(() => retrievalMAP([gnd[0], { easy: [0], hard: [], junk: [8] }, gnd[2]], sim)).toThrow(
      /`gnd\[1\]\.junk\[0\]` of retrievalMAP must be a database index in \[0, 8\)\. Got 8\./,
    );
    expect(() => retrievalMAP([gnd[0], { easy: [1.5], hard: [], junk: [] }, gnd[2]], sim)).toThrow(/`gnd\[1\]\.easy\[0\]`/);
    expect(() => retrievalMAP(gnd.slice(0, 2), sim)).toThrow(expect.objectContaining({ code: 'VIT_LENGTH_MISMATCH', message: expect.stringMatching(/`gnd` of retrievalMAP must have one entry per query \(3\)\. Got 2\./) }));
    expect(retrievalMAP(gnd, sim, { k: 5 }).easy.mP).toBeDeepCloseTo([0.25], 1e-12);
    expect(() => retrievalMAP(gnd, sim, { k: [0] })).toThrow(/`k` of retrievalMAP must be integers ≥ 1\. Got 0/);
  });
});

describe('retrievalPerLayer and RetrievalAccumulator', () => {
  const r = rng(5);
  const mk = (n: number) => Array.from({ length: n }, () => Array.from({ length: 4 }, () => r() - 0.5));
  const q = [mk(3), mk(3)];
  const db = [mk(10), mk(10)];
  const g: RetrievalGroundTruth[] = [
    { easy: [1, 2], hard: [3], junk: [0] },
    { easy: [4], hard: [5, 6], junk: [] },
    { easy: [7], hard: [8], junk: [9] },
  ];
  const nrm = (v: number[]) => v.map((x) => x / Math.hypot(...v));
  const want = (l: number) => retrievalMAP(g, m2(q[l].map((a) => db[l].map((b) => nrm(a).reduce((acc, x, j) => acc + x * nrm(b)[j], 0)))));

  it('scores each layer on the cosine similarity of its own features', async () => {
    const got = await retrievalPerLayer(q.map(m2), db.map(m2), g);
    expect(got.layers).toEqual([1, 2]);
    expect(got.medium.mAP.shape).toEqual([2]);
    expect(got.hard.mP.shape).toEqual([2, 3]);
    for (let l = 0; l < 2; l++) {
      expect(got.medium.mAP.data[l]).toBeDeepCloseTo(want(l).medium.mAP, 1e-6);
      expect(Array.from(got.hard.mP.data.subarray(l * 3, l * 3 + 3))).toBeDeepCloseTo(want(l).hard.mP, 1e-6);
      expect(Array.from(got.easy.aps.data.subarray(l * 3, l * 3 + 3))).toBeDeepCloseTo(Array.from(want(l).easy.aps), 1e-6);
    }
    const last = await retrievalPerLayer(q.map(m2), db.map(m2), g, { layers: [-1] });
    expect(last.layers).toEqual([2]);
    expect(last.medium.mAP.data[0]).toBeDeepCloseTo(want(1).medium.mAP, 1e-6);
    await expect(retrievalPerLayer(q.map(m2), [m2(db[0])], g)).rejects.toThrow(/`database` of retrievalPerLayer must hold as many layers as `queries` \(2\)\. Got 1/);
  });

  it('places database images by their indices (Capture meta.indices), in any order', async () => {
    const acc = new RetrievalAccumulator(q.map(m2), g);
    const order = [7, 2, 9, 0, 5, 1, 8, 3, 6, 4];
    for (let s = 0; s < 10; s += 4) {
      const idx = order.slice(s, s + 4);
      // [B,2,4]: CLS row = the features, one patch token of noise
      const taps = db.map((rows) => tensor(Float32Array.from(idx.flatMap((i) => [...rows[i], 1, 2, 3, 4])), [idx.length, 2, 4]));
      await acc.update({ taps: { block: taps }, meta: { indices: idx } });
    }
    const got = acc.result();
    for (let l = 0; l < 2; l++) expect(got.medium.mAP.data[l]).toBeDeepCloseTo(want(l).medium.mAP, 1e-6);
  });

  it('planted structure: the positives are the nearest database images → mAP 1', async () => {
    const acc = new RetrievalAccumulator(m2([[1, 0, 0], [0, 1, 0]]), [
      { easy: [0, 1], hard: [], junk: [] },
      { easy: [2], hard: [3], junk: [4] },
    ]);
    await acc.update({ features: [m2([[1, 0.1, 0], [1, 0, 0.1], [0, 1, 0.05], [0.1, 1, 0], [0, 1, 0]])] });
    await acc.update({ features: [m2([[0, 0, 1], [-1, 0, 0]])] });
    const got = acc.result();
    expect([got.easy.mAP.data[0], got.medium.mAP.data[0]]).toEqual([1, 1]);
    expect(Array.from(got.medium.mP.data)).toEqual([1, 1, 1]);
  });

  it('says which database image is missing or given twice', async () => {
    const acc = new RetrievalAccumulator(q.map(m2), g);
    await acc.update({ features: db.map((rows) => m2(rows.slice(0, 4))), indices: [0, 1, 2, 4] });
    expect(() => acc.result()).toThrow(/database image 3 is missing/);
    await acc.update({ features: db.map((rows) => m2(rows.slice(0, 1))), indices: [4] });
    expect(() => acc.result()).toThrow(/database image 4 was given twice/);
  });
});

{
  const r = rng(8);
  const d = 6;
  const queries = [0, 1].map(() => tensor(Float32Array.from({ length: 4 * d }, () => r() - 0.5), [4, d]));
  const gnd: RetrievalGroundTruth[] = [
    { easy: [0, 3], hard: [7], junk: [1] },
    { easy: [5], hard: [2, 9], junk: [] },
    { easy: [], hard: [4], junk: [6] },
    { easy: [8], hard: [], junk: [0] },
  ];
  let next = 0;
  const batchOf = (B: number, width = d) => {
    const indices = Array.from({ length: B }, (_, i) => next + i);
    next += B;
    return { features: [0, 1].map(() => tensor(Float32Array.from({ length: B * width }, () => r() - 0.5), [B, width])), indices };
  };
  const batches = [batchOf(3), batchOf(2), batchOf(4), batchOf(1)];
  describeAccumulator('RetrievalAccumulator', {
    make: () => new RetrievalAccumulator(queries, gnd, { k: [1, 5] }),
    fromJSON: (json, o) => RetrievalAccumulator.fromJSON(json, o),
    batches: () => batches,
    badBatch: () => batchOf(2, d + 2),
    numbers: (o) => [...o.easy.mAP.data, ...o.medium.mAP.data, ...o.hard.mAP.data, ...o.medium.mP.data, ...o.hard.aps.data].map((x) => (Number.isNaN(x) ? -1 : x)),
    tolerance: 0,
  });
}
