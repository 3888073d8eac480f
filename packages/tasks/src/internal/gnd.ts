import { VitValueError } from '@vit/io';
import type { RetrievalGroundTruth } from '../retrievalMAP.js';

/**
 * Check the ground truth: one entry per query, integer indices in `[0, ndb)` (any index ≥ 0
 * when `ndb` is null: the database size is not known yet). Returns a plain-array copy.
 */
export function validateGnd(gnd: readonly RetrievalGroundTruth[], nq: number, ndb: number | null, fn: string): RetrievalGroundTruth[] {
  if (!Array.isArray(gnd) || gnd.length !== nq) {
    throw new VitValueError(`\`gnd\` of ${fn} must have one entry per query (${nq}). Got ${Array.isArray(gnd) ? gnd.length : typeof gnd}.`, { code: 'VIT_LENGTH_MISMATCH' });
  }
  return gnd.map((g, q) => {
    const out = { easy: [] as number[], hard: [] as number[], junk: [] as number[] };
    for (const key of ['easy', 'hard', 'junk'] as const) {
      const list = g?.[key] as ArrayLike<number> | undefined;
      if (!Array.isArray(list) && !ArrayBuffer.isView(list)) {
        throw new VitValueError(`\`gnd[${q}].${key}\` of ${fn} must be an array of database indices. Got ${typeof list}.`);
      }
      for (let i = 0; i < list.length; i++) {
        const v = list[i];
        if (!Number.isInteger(v) || v < 0 || (ndb !== null && v >= ndb)) {
          const range = ndb === null ? 'an integer ≥ 0' : `in [0, ${ndb})`;
          throw new VitValueError(`\`gnd[${q}].${key}[${i}]\` of ${fn} must be a database index ${range}. Got ${v}.`);
        }
        out[key].push(v);
      }
    }
    return out;
  });
}
