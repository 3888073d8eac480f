// Shared helpers of the findings predicates (internal).
import type { ModelResults } from '../types.js';

/** Outcome of one finding. */
export type FindingStatus = 'holds' | 'does not hold' | 'not measured';

/** One row of the paper's Table 3 checked on a study's numbers. */
export interface Finding {
  /** Stable identifier, e.g. `'offset-local-heads'`. */
  id: string;
  /** The paper's key observation (Table 3). */
  observation: string;
  /** The analysis it rests on, as Table 3 names it. */
  analysis: string;
  /** The predicate, in words (what exactly is computed and compared). */
  predicate: string;
  status: FindingStatus;
  /** When not measured: which analysis or models are missing. */
  missing?: string;
  /** One line with the numbers behind the verdict. */
  evidence: string;
  /** The numbers behind the verdict, by name. */
  numbers: Record<string, number | string | null>;
}

/** Supervision group of a model from its `method`. */
export type Supervision = 'explicit' | 'contrastive' | 'reconstruction' | 'none' | 'other';

export function supervision(m: ModelResults): Supervision {
  const k = (m.method ?? m.name).toLowerCase();
  if (/^(fs|supervised|deit|vit|clip)/.test(k)) return 'explicit';
  if (/^(dino|moco|mocov3|simclr|ibot)/.test(k)) return 'contrastive';
  if (/^(mae|beit|simmim|data2vec)/.test(k)) return 'reconstruction';
  if (/^(random|untrained|none)/.test(k)) return 'none';
  return 'other';
}

export const trained = (m: ModelResults): boolean => supervision(m) !== 'none';

export function notMeasured(base: Omit<Finding, 'status' | 'evidence' | 'numbers' | 'missing'>, missing: string): Finding {
  return { ...base, status: 'not measured', missing, evidence: `not measured: ${missing}`, numbers: {} };
}

export const r3 = (x: number): number => Math.round(x * 1000) / 1000;
export const mean = (v: ArrayLike<number>): number => {
  let s = 0;
  let n = 0;
  for (let i = 0; i < v.length; i++) if (Number.isFinite(v[i])) (s += v[i]), n++;
  return n ? s / n : NaN;
};
