import { flat } from '../internal/util.js';
import type { ModelResults, ReportInput } from '../types.js';
import { notMeasured, r3, supervision, type Finding } from './common.js';

const BASE = {
  id: 'local-global-order',
  observation: 'ViTs learn to process local and global information in different orders depending on their method of supervision.',
  analysis: 'Average Attention Distance (§4.3, Fig. 4)',
  predicate:
    'Per model, the per-layer distance d_l = mean over heads of `attention.distance` [L,H]; the late rise = mean of d over the last ⌈L/3⌉ layers − min_l d_l (how far attention turns global again after its most local layer). Holds when every explicitly supervised or contrastive model has a larger late rise than every reconstruction model (the paper: distances trend upward late for the former, stay low for MAE/BEiT).',
};

function lateRise(m: ModelResults): number | null {
  const t = m.attention?.distance;
  if (!t) return null;
  const [L, H] = t.shape;
  const v = flat(t);
  const d = Array.from({ length: L }, (_, l) => {
    let s = 0;
    for (let h = 0; h < H; h++) s += v[l * H + h];
    return s / H;
  });
  const k = Math.ceil(L / 3);
  const late = d.slice(L - k).reduce((a, b) => a + b, 0) / k;
  return late - Math.min(...d);
}

/**
 * Table 3, row 3 (the order of local vs global processing depends on supervision) as a
 * predicate on per-layer attention distances.
 * @param input The study's results.
 * @returns The finding with each model's late rise.
 * @example localGlobalOrderFinding(results).evidence
 */
export function localGlobalOrderFinding(input: ReportInput): Finding {
  const xs = input.models.map((m) => ({ m, g: supervision(m), r: lateRise(m) })).filter((x) => x.r !== null);
  const up = xs.filter((x) => x.g === 'explicit' || x.g === 'contrastive');
  const rec = xs.filter((x) => x.g === 'reconstruction');
  if (!up.length || !rec.length) return notMeasured(BASE, 'needs attention distances of at least one explicit or contrastive model and one reconstruction model (mae/beit)');
  const numbers: Record<string, number> = {};
  for (const x of xs) numbers[x.m.name] = r3(x.r!);
  const lo = Math.min(...up.map((x) => x.r!));
  const hi = Math.max(...rec.map((x) => x.r!));
  return {
    ...BASE,
    status: lo > hi ? 'holds' : 'does not hold',
    evidence: `late rise of attention distance: ${up.map((x) => `${x.m.name} ${r3(x.r!)}`).join(', ')} vs reconstruction ${rec.map((x) => `${x.m.name} ${r3(x.r!)}`).join(', ')} (smallest explicit/contrastive ${r3(lo)} ${lo > hi ? '>' : '≤'} largest reconstruction ${r3(hi)})`,
    numbers,
  };
}
