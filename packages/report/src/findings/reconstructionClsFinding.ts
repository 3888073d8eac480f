import { bestOf } from '../internal/best.js';
import type { ReportInput } from '../types.js';
import { notMeasured, r3, supervision, type Finding } from './common.js';

const BASE = {
  id: 'reconstruction-cls-semantics',
  observation: 'Reconstruction-based self-supervised methods can learn semantically meaningful CLS representations, even when the CLS token is only a placeholder.',
  analysis: 'CKA Feature Similarity, Image Clustering by CLS Features (§5.1–5.2, Figs. 6–7)',
  predicate:
    'Reference = the random-feature k-NN baseline (`baselines.knn`), else the best CLS k-NN top-1 of the untrained (random) model; without k-NN, CLS-clustering NMI against the untrained model. Holds when every reconstruction model (mae, beit) beats the reference by at least 0.05 at its best layer.',
};

/**
 * Table 3, row 5 (reconstruction models' CLS tokens carry semantics) as a predicate on CLS
 * k-NN accuracy (or CLS clustering NMI) against a random reference.
 * @param input The study's results.
 * @returns The finding with the reference and each reconstruction model's best score.
 * @example reconstructionClsFinding(results).evidence
 */
export function reconstructionClsFinding(input: ReportInput): Finding {
  const rec = input.models.filter((m) => supervision(m) === 'reconstruction');
  if (!rec.length) return notMeasured(BASE, 'needs a reconstruction model (mae/beit)');
  const untrained = input.models.find((m) => supervision(m) === 'none');
  const tries = [
    { what: 'k-NN top-1', get: (m: (typeof rec)[number]) => bestOf(m.tasks?.knn?.top1, m.tasks?.knn?.layers), ref: input.baselines?.knn, refName: 'random-feature baseline' },
    { what: 'CLS clustering NMI', get: (m: (typeof rec)[number]) => bestOf(m.features?.clustering?.cls?.nmi, m.features?.clustering?.cls?.layers), ref: undefined, refName: '' },
  ];
  for (const t of tries) {
    const scores = rec.map((m) => ({ m, b: t.get(m) }));
    if (scores.some((s) => !s.b)) continue;
    let ref = t.ref;
    let refName = t.refName;
    if (ref === undefined && untrained) {
      const u = t.get(untrained);
      if (u) (ref = u.value), (refName = `untrained model ${untrained.name}`);
    }
    if (ref === undefined) continue;
    const numbers: Record<string, number | string> = { reference: r3(ref), measure: t.what };
    for (const s of scores) numbers[s.m.name] = r3(s.b!.value);
    const ok = scores.every((s) => s.b!.value >= ref! + 0.05);
    return {
      ...BASE,
      status: ok ? 'holds' : 'does not hold',
      evidence: `best ${t.what}: ${scores.map((s) => `${s.m.name} ${r3(s.b!.value)} (layer ${s.b!.layer})`).join(', ')} vs ${refName} ${r3(ref)} (margin needed 0.05)`,
      numbers,
    };
  }
  return notMeasured(BASE, 'needs CLS k-NN (or CLS clustering) of the reconstruction models plus a random reference (baselines.knn or an untrained model)');
}
