import { bestOf } from '../internal/best.js';
import { flat } from '../internal/util.js';
import type { ReportInput } from '../types.js';
import { notMeasured, r3, trained, type Finding } from './common.js';

const BASE = {
  id: 'saliency-early-to-mid',
  observation: 'All ViTs studied differentiate salient foreground objects by the early-to-mid layers.',
  analysis: 'Attention Saliency IoU (§4.4, Fig. 5)',
  predicate:
    'Per trained model, the best saliency IoU (oracle head) among the first half of the layers (layer ≤ ⌈L/2⌉) reaches at least 90% of its best IoU over all layers. Holds when that is true for every trained model.',
};

/**
 * Table 3, row 4 (salient objects differentiated by the early-to-mid layers) as a predicate
 * on per-layer saliency IoU.
 * @param input The study's results.
 * @returns The finding with each model's early/overall ratio.
 * @example saliencyEarlyFinding(results).numbers
 */
export function saliencyEarlyFinding(input: ReportInput): Finding {
  const ms = input.models.filter((m) => trained(m) && m.attention?.saliency?.oracle);
  if (!ms.length) return notMeasured(BASE, 'needs saliency IoU (images with foreground masks) of at least one trained model');
  const numbers: Record<string, number> = {};
  const failing: string[] = [];
  for (const m of ms) {
    const s = m.attention!.saliency!;
    const v = flat(s.oracle);
    const layers = s.layers ?? Array.from(v, (_, i) => i + 1);
    const all = bestOf(s.oracle, layers)!;
    const half = Math.ceil(m.layers / 2);
    let early = -Infinity;
    layers.forEach((l, i) => l <= half && Number.isFinite(v[i]) && (early = Math.max(early, v[i])));
    const ratio = all && all.value > 0 ? early / all.value : NaN;
    numbers[m.name] = r3(ratio);
    if (!(ratio >= 0.9)) failing.push(m.name);
  }
  return {
    ...BASE,
    status: failing.length ? 'does not hold' : 'holds',
    evidence: `best early-half IoU / best IoU: ${ms.map((m) => `${m.name} ${numbers[m.name]}`).join(', ')}${failing.length ? `; below 0.9: ${failing.join(', ')}` : ''}`,
    numbers,
  };
}
