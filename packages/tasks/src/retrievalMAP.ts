import { assertTensor } from '@vit/io';
import type { Tensor, TypedArray } from '@vit/io';
import { denseData } from './internal/rows.js';
import { validateGnd } from './internal/gnd.js';
import { precisionKs, scoreRetrieval } from './internal/retrieval.js';

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
  /** Mean precision at each `k` (default P@1, P@5, P@10), same queries. */
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
  /** The `k` of the mean precisions `mP` (P@k). @default [1, 5, 10] */
  k?: number | readonly number[];
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
 * @param gnd Ground truth of every query `[nq]` with 0-based database indices.
 * @param sim Similarities `[nq, ndb]` (query × database), e.g. cosines of L2-normalised features.
 * @param options See {@link RetrievalMAPOptions}.
 * @returns `{ easy, medium, hard }`, each `{ mAP, mP, aps, skipped }` (fractions, not percent).
 * @throws VitValueError when `gnd` has a length other than `nq` (`VIT_SHAPE`) or holds an index outside `[0, ndb)`, or `sim` holds NaN (`VIT_NON_FINITE`).
 * @example
 * const { medium, hard } = retrievalMAP(gnd, sim, { k: [1, 5, 10] });
 * console.log(medium.mAP, hard.mP[0]);
 */
export function retrievalMAP(gnd: readonly RetrievalGroundTruth[], sim: Tensor<TypedArray>, options: RetrievalMAPOptions = {}): RetrievalResult {
  const fn = 'retrievalMAP';
  assertTensor(sim, { name: 'sim', fn, shape: [null, null], shapeText: '[nq,ndb]' });
  const [nq, ndb] = sim.shape;
  const g = validateGnd(gnd, nq, ndb, fn);
  const ks = precisionKs(options.k, fn);
  const s = scoreRetrieval(g, denseData(sim), nq, ndb, ks, fn);
  const out = (p: (typeof s)['easy']): RetrievalProtocolResult => ({ mAP: p.mAP, mP: p.mP, aps: p.aps, skipped: p.skipped });
  return { easy: out(s.easy), medium: out(s.medium), hard: out(s.hard) };
}
