import { flat } from '../internal/util.js';
import type { ReportInput } from '../types.js';
import { notMeasured, trained, type Finding } from './common.js';

const BASE = {
  id: 'offset-local-heads',
  observation: 'All ViTs studied learn to use Offset Local Attention Heads, suggesting they are fundamentally necessary in ViTs.',
  analysis: 'Aligned Aggregated Attention Maps (§4.2, Fig. 3)',
  predicate: 'Holds when every trained model (untrained/random excluded) has at least one head classified offset-local by the head taxonomy (`attention.taxonomy`).',
};

/**
 * Table 3, row 2 (offset-local heads in every model) as a predicate on the head taxonomy.
 * @param input The study's results.
 * @returns The finding with the number of offset-local heads per model.
 * @example offsetLocalFinding(results).numbers // { fs: 2, dino: 1, … }
 */
export function offsetLocalFinding(input: ReportInput): Finding {
  const ms = input.models.filter((m) => trained(m) && m.attention?.taxonomy);
  if (!ms.length) return notMeasured(BASE, 'needs the head taxonomy (AAAM + attention distance) of at least one trained model');
  const numbers: Record<string, number> = {};
  for (const m of ms) {
    const t = m.attention!.taxonomy!;
    const k = t.classes.indexOf('offset-local');
    numbers[m.name] = k < 0 ? 0 : Array.from(flat(t.index)).filter((v) => v === k).length;
  }
  const without = ms.filter((m) => numbers[m.name] === 0).map((m) => m.name);
  return {
    ...BASE,
    status: without.length ? 'does not hold' : 'holds',
    evidence: `offset-local heads per model: ${ms.map((m) => `${m.name} ${numbers[m.name]}`).join(', ')}${without.length ? `; none in ${without.join(', ')}` : ''}`,
    numbers,
  };
}
