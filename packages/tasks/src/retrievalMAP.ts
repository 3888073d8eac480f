import { VitValueError, assertTensor } from '@vit/io';
import type { Tensor, TypedArray } from '@vit/io';
import { averagePrecision } from './averagePrecision.js';
import { denseData } from './internal/rows.js';
import { validateGnd } from './internal/gnd.js';

/** Ground truth of one query, as in `gnd_roxford5k.pkl`: 0-based database indices. */
export interface RetrievalGroundTruth {
  easy: readonly number[];
  hard: readonly number[];
  junk: readonly number[];
}

/** Scores of one protocol (Easy, Medium or Hard). */
export interface RetrievalProtocolResult {
  /** Mean AP over the queries with positives (fraction in [0, 1]; NaN when every query was skipped). */
  mAP: number;
  /** Mean precision at each of `kappas` (default P@1, P@5, P@10), same queries. */
  mP: number[];
  /** AP of every query `[nq]`; NaN for skipped queries. */
  aps: Float64Array;
  /** Number of queries skipped because they have no positives under this protocol. */
  skipped: number;
}

export interface RetrievalResult {
  easy: RetrievalProtocolResult;
  medium: RetrievalProtocolResult;
  hard: RetrievalProtocolResult;
}

export interface RetrievalMAPOptions {
  /** The `k` of the mean precisions `mP`. @default [1, 5, 10] */
  kappas?: readonly number[];
}

/**
 * Revisited Oxford/Paris retrieval scores (SPEC 15). Each query ranks the database by
 * decreasing similarity (ties: lower database index first). Protocols: Easy (ok = easy, junk =
 * junk ∪ hard), Medium (ok = easy ∪ hard, junk = junk), Hard (ok = hard, junk = junk ∪ easy).
 * Junk images are removed from the ranking before positions are counted; AP uses the trapezoid
 * rule ({@link averagePrecision}); `P@k = |{pos ≤ kq}| / kq` with `kq = min(max(pos), k)` over
 * the 1-based junk-adjusted positive positions `pos`, as the protocol's code defines it.
 * Queries without positives are skipped (their AP is NaN) and counted. An index listed both as
 * a positive and as junk of a protocol counts as a positive.
 *
 * @param sim Similarities `[nq, ndb]` (query × database), e.g. from cosine of L2-normalised features.
 * @param gnd Ground truth of every query `[nq]` with 0-based database indices.
 * @param options See {@link RetrievalMAPOptions}.
 * @returns `{ easy, medium, hard }`, each `{ mAP, mP, aps, skipped }` (fractions, not percent).
 * @throws VitValueError when `gnd` has a length other than `nq` or holds an index outside `[0, ndb)`, or `sim` holds NaN.
 * @example
 * const { medium, hard } = retrievalMAP(sim, gnd);
 * console.log(medium.mAP, hard.mP[0]);
 */
export function retrievalMAP(sim: Tensor<TypedArray>, gnd: readonly RetrievalGroundTruth[], options: RetrievalMAPOptions = {}): RetrievalResult {
  const fn = 'retrievalMAP';
  assertTensor(sim, { name: 'sim', fn, shape: [null, null], shapeText: '[nq,ndb]' });
  const [nq, ndb] = sim.shape;
  validateGnd(gnd, nq, ndb, fn);
  const kappas = options.kappas ?? [1, 5, 10];
  for (const k of kappas) {
    if (!Number.isInteger(k) || k < 1) throw new VitValueError(`\`kappas\` of ${fn} must be integers ≥ 1. Got ${k}.`);
  }
  const data = denseData(sim);
  const protocols = {
    easy: { ok: (g: RetrievalGroundTruth) => [g.easy], junk: (g: RetrievalGroundTruth) => [g.junk, g.hard] },
    medium: { ok: (g: RetrievalGroundTruth) => [g.easy, g.hard], junk: (g: RetrievalGroundTruth) => [g.junk] },
    hard: { ok: (g: RetrievalGroundTruth) => [g.hard], junk: (g: RetrievalGroundTruth) => [g.junk, g.easy] },
  };
  const acc = Object.fromEntries(
    Object.keys(protocols).map((p) => [p, { aps: new Float64Array(nq).fill(NaN), pr: new Float64Array(kappas.length), sum: 0, n: 0 }]),
  ) as Record<keyof typeof protocols, { aps: Float64Array; pr: Float64Array; sum: number; n: number }>;
  const order = new Int32Array(ndb);
  const rankOf = new Int32Array(ndb);
  // 0 = neither, 1 = positive, 2 = junk (per protocol, rebuilt per query)
  const kind = new Uint8Array(ndb);
  for (let q = 0; q < nq; q++) {
    const row = data.subarray(q * ndb, (q + 1) * ndb);
    for (let i = 0; i < ndb; i++) {
      if (Number.isNaN(row[i])) throw new VitValueError(`\`sim\` of ${fn} contains NaN at [${q},${i}].`);
      order[i] = i;
    }
    order.sort((a, b) => row[b] - row[a] || a - b);
    for (let r = 0; r < ndb; r++) rankOf[order[r]] = r;
    for (const [name, p] of Object.entries(protocols) as [keyof typeof protocols, (typeof protocols)['easy']][]) {
      const a = acc[name];
      const okLists = p.ok(gnd[q]);
      for (const l of p.junk(gnd[q])) for (const i of l) kind[i] = 2;
      let nPos = 0;
      for (const l of okLists) {
        for (const i of l) {
          if (kind[i] !== 1) nPos++;
          kind[i] = 1;
        }
      }
      if (nPos === 0) {
        clear(kind, p, gnd[q]);
        continue;
      }
      // Positions of positives and junk in rank order, then junk-adjusted positive ranks.
      const posRanks: number[] = [];
      const junkRanks: number[] = [];
      for (const l of okLists) for (const i of l) if (kind[i] === 1) { posRanks.push(rankOf[i]); kind[i] = 3; }
      for (const l of p.junk(gnd[q])) for (const i of l) if (kind[i] === 2) { junkRanks.push(rankOf[i]); kind[i] = 4; }
      posRanks.sort((x, y) => x - y);
      junkRanks.sort((x, y) => x - y);
      let before = 0;
      for (let j = 0; j < posRanks.length; j++) {
        while (before < junkRanks.length && junkRanks[before] < posRanks[j]) before++;
        posRanks[j] -= before;
      }
      const ap = averagePrecision(posRanks, nPos);
      a.aps[q] = ap;
      a.sum += ap;
      a.n++;
      const last = posRanks[posRanks.length - 1] + 1;
      for (let t = 0; t < kappas.length; t++) {
        const kq = Math.min(last, kappas[t]);
        let c = 0;
        for (const r of posRanks) if (r + 1 <= kq) c++;
        a.pr[t] += c / kq;
      }
      clear(kind, p, gnd[q]);
    }
  }
  const finish = (a: (typeof acc)['easy']): RetrievalProtocolResult => ({
    mAP: a.n === 0 ? NaN : a.sum / a.n,
    mP: Array.from(a.pr, (v) => (a.n === 0 ? NaN : v / a.n)),
    aps: a.aps,
    skipped: nq - a.n,
  });
  return { easy: finish(acc.easy), medium: finish(acc.medium), hard: finish(acc.hard) };
}

function clear(
  kind: Uint8Array,
  p: { ok: (g: RetrievalGroundTruth) => (readonly number[])[]; junk: (g: RetrievalGroundTruth) => (readonly number[])[] },
  g: RetrievalGroundTruth,
): void {
  for (const l of p.ok(g)) for (const i of l) kind[i] = 0;
  for (const l of p.junk(g)) for (const i of l) kind[i] = 0;
}

