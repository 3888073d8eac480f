import { bestOf } from '../internal/best.js';
import type { ReportInput } from '../types.js';
import { notMeasured, trained, type Finding } from './common.js';

const BASE = {
  id: 'local-tasks-best-layer',
  observation: 'For localized tasks, the best performance often comes from a mid-to-late layer (not the last).',
  analysis: 'Local Downstream Tasks (§6.2, Fig. 10, Table 1)',
  predicate:
    'For every trained model and local task measured (DAVIS J&F, SPair PCK), take the best layer. Holds when in at least half of these (model, task) pairs the best layer is not the last layer evaluated.',
};

/**
 * Table 3 (best layer for local tasks is not the last) as a predicate on the per-layer local
 * task curves.
 * @param input The study's results.
 * @returns The finding with each (model, task)'s best layer.
 * @example localTaskLayerFinding(results).numbers // { 'dino davis': 5, … }
 */
export function localTaskLayerFinding(input: ReportInput): Finding {
  const pairs: { name: string; layer: number; last: number }[] = [];
  for (const m of input.models.filter(trained)) {
    const d = bestOf(m.tasks?.davis?.jf, m.tasks?.davis?.layers);
    if (d) pairs.push({ name: `${m.name} davis`, layer: d.layer, last: d.last });
    const s = bestOf(m.tasks?.spair?.pck, m.tasks?.spair?.layers);
    if (s) pairs.push({ name: `${m.name} spair`, layer: s.layer, last: s.last });
  }
  if (!pairs.length) return notMeasured(BASE, 'needs a local task (DAVIS propagation or SPair keypoints) per layer');
  const notLast = pairs.filter((p) => p.layer !== p.last).length;
  const numbers: Record<string, number> = {};
  for (const p of pairs) numbers[p.name] = p.layer;
  return {
    ...BASE,
    status: notLast * 2 >= pairs.length ? 'holds' : 'does not hold',
    evidence: `best layer not the last in ${notLast} of ${pairs.length} (model, task) pairs: ${pairs.map((p) => `${p.name} ${p.layer}/${p.last}`).join(', ')}`,
    numbers,
  };
}
