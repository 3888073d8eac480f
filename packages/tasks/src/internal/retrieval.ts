import { VitValueError } from '@vit/io';
import { averagePrecision } from '../averagePrecision.js';
import type { RetrievalGroundTruth } from '../retrievalMAP.js';

/** Per-protocol scores of one similarity matrix. */
export interface ProtocolScores {
  /** AP per query `[nq]` (NaN when skipped). */
  aps: Float64Array;
  /** Mean AP over the scored queries (NaN when none). */
  mAP: number;
  /** Mean precision at each k (NaN when no query scored). */
  mP: number[];
  skipped: number;
}

export type Protocol = 'easy' | 'medium' | 'hard';
export const PROTOCOLS: readonly Protocol[] = ['easy', 'medium', 'hard'];

const ok: Record<Protocol, (g: RetrievalGroundTruth) => (readonly number[])[]> = {
  easy: (g) => [g.easy],
  medium: (g) => [g.easy, g.hard],
  hard: (g) => [g.hard],
};
const junkOf: Record<Protocol, (g: RetrievalGroundTruth) => (readonly number[])[]> = {
  easy: (g) => [g.junk, g.hard],
  medium: (g) => [g.junk],
  hard: (g) => [g.junk, g.easy],
};

/** The revisited Oxford/Paris scores of a similarity matrix `data [nq,ndb]` (row-major); see `retrievalMAP`. */
export function scoreRetrieval(gnd: readonly RetrievalGroundTruth[], data: ArrayLike<number>, nq: number, ndb: number, ks: readonly number[], fn: string): Record<Protocol, ProtocolScores> {
  const acc = Object.fromEntries(PROTOCOLS.map((p) => [p, { aps: new Float64Array(nq).fill(NaN), pr: new Float64Array(ks.length), sum: 0, n: 0 }])) as Record<
    Protocol,
    { aps: Float64Array; pr: Float64Array; sum: number; n: number }
  >;
  const order = new Int32Array(ndb);
  const rankOf = new Int32Array(ndb);
  // 0 = neither, 1 = positive, 2 = junk, 3/4 = visited (per protocol, rebuilt per query)
  const kind = new Uint8Array(ndb);
  const row = new Float32Array(ndb);
  for (let q = 0; q < nq; q++) {
    for (let i = 0; i < ndb; i++) {
      const v = data[q * ndb + i];
      if (Number.isNaN(v)) throw new VitValueError(`\`sim\` of ${fn} contains NaN at [${q},${i}].`, { code: 'VIT_NON_FINITE' });
      row[i] = v;
      order[i] = i;
    }
    order.sort((a, b) => row[b] - row[a] || a - b);
    for (let r = 0; r < ndb; r++) rankOf[order[r]] = r;
    const g = gnd[q];
    for (const name of PROTOCOLS) {
      const a = acc[name];
      const okLists = ok[name](g);
      const junkLists = junkOf[name](g);
      for (const l of junkLists) for (const i of l) kind[i] = 2;
      let nPos = 0;
      for (const l of okLists) {
        for (const i of l) {
          if (kind[i] !== 1) nPos++;
          kind[i] = 1;
        }
      }
      if (nPos > 0) {
        // Positions of positives and junk in rank order, then junk-adjusted positive ranks.
        const posRanks: number[] = [];
        const junkRanks: number[] = [];
        for (const l of okLists) {
          for (const i of l) {
            if (kind[i] === 1) {
              posRanks.push(rankOf[i]);
              kind[i] = 3;
            }
          }
        }
        for (const l of junkLists) {
          for (const i of l) {
            if (kind[i] === 2) {
              junkRanks.push(rankOf[i]);
              kind[i] = 4;
            }
          }
        }
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
        for (let t = 0; t < ks.length; t++) {
          const kq = Math.min(last, ks[t]);
          let c = 0;
          for (const r of posRanks) if (r + 1 <= kq) c++;
          a.pr[t] += c / kq;
        }
      }
      for (const l of okLists) for (const i of l) kind[i] = 0;
      for (const l of junkLists) for (const i of l) kind[i] = 0;
    }
  }
  const finish = (a: (typeof acc)['easy']): ProtocolScores => ({
    aps: a.aps,
    mAP: a.n === 0 ? NaN : a.sum / a.n,
    mP: Array.from(a.pr, (v) => (a.n === 0 ? NaN : v / a.n)),
    skipped: nq - a.n,
  });
  return { easy: finish(acc.easy), medium: finish(acc.medium), hard: finish(acc.hard) };
}

/** Check the `k` list of mean precisions. */
export function precisionKs(k: unknown, fn: string): number[] {
  const list = k === undefined ? [1, 5, 10] : typeof k === 'number' ? [k] : Array.isArray(k) ? [...(k as number[])] : null;
  if (!list || list.length === 0) throw new VitValueError(`\`k\` of ${fn} must be an integer ≥ 1 or a non-empty list of them. Got ${JSON.stringify(k)}.`);
  for (const v of list) if (!Number.isInteger(v) || v < 1) throw new VitValueError(`\`k\` of ${fn} must be integers ≥ 1. Got ${v}.`);
  return list;
}
