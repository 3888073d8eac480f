import { VitValueError } from '@vit/io';
import type { RetrievalGroundTruth } from '../retrievalMAP.js';

/** Check the ground truth once: one entry per query, integer indices in `[0, ndb)`. */
export function validateGnd(gnd: readonly RetrievalGroundTruth[], nq: number, ndb: number, fn: string): void {
  if (!Array.isArray(gnd) || gnd.length !== nq) {
    throw new VitValueError(`\`gnd\` of ${fn} must have one entry per query (${nq}). Got ${Array.isArray(gnd) ? gnd.length : typeof gnd}.`);
  }
  for (let q = 0; q < nq; q++) {
    for (const key of ['easy', 'hard', 'junk'] as const) {
      const list = gnd[q]?.[key] as ArrayLike<number> | undefined;
      if (!Array.isArray(list) && !ArrayBuffer.isView(list)) {
        throw new VitValueError(`\`gnd[${q}].${key}\` of ${fn} must be an array of database indices. Got ${typeof list}.`);
      }
      if (list === undefined) continue;
      for (let i = 0; i < list.length; i++) {
        const v = list[i];
        if (!Number.isInteger(v) || v < 0 || v >= ndb) {
          throw new VitValueError(`\`gnd[${q}].${key}[${i}]\` of ${fn} must be a database index in [0, ${ndb}). Got ${v}.`);
        }
      }
    }
  }
}
