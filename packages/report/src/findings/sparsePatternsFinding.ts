import { flat } from '../internal/util.js';
import type { ReportInput, ModelResults } from '../types.js';
import { mean, notMeasured, r3, supervision, type Finding } from './common.js';

const BASE = {
  id: 'sparse-repeating-patterns',
  observation: 'The attention maps of explicitly supervised ViTs devolve into Sparse Repeating Attention Patterns in the mid-to-late layers.',
  analysis: 'Average CLS Attention Maps (§4.1, Fig. 2)',
  predicate:
    'Per model, the sparse-pattern score averaged over the heads of the late half of the layers (layers > L/2): `attention.sparsePattern` [L,H] when present, else the CLS maps\' concentration (share of each map\'s mass in its top ⌈5%⌉ cells, mean over heads). Holds when every explicitly supervised model (fs, clip) scores higher than every self-supervised one (contrastive or reconstruction).',
};

/** Late-half score of one model, and which quantity it came from. */
function lateScore(m: ModelResults): { score: number; from: string } | null {
  const L = m.layers;
  const first = Math.floor(L / 2); // 0-based index of layer ⌊L/2⌋+1
  const sp = m.attention?.sparsePattern;
  if (sp) {
    const [Ls, H] = sp.shape;
    const v = flat(sp);
    return { score: mean(v.subarray(first * H, Ls * H)), from: 'sparsePattern' };
  }
  const maps = m.attention?.clsMaps;
  if (!maps) return null;
  const [Lm, H, gh, gw] = maps.shape;
  const n = gh * gw;
  const top = Math.max(1, Math.ceil(0.05 * n));
  const v = flat(maps);
  const per: number[] = [];
  for (let l = first; l < Lm; l++) {
    for (let h = 0; h < H; h++) {
      const cells = Array.from(v.subarray((l * H + h) * n, (l * H + h + 1) * n)).sort((a, b) => b - a);
      const total = cells.reduce((a, b) => a + b, 0);
      per.push(total > 0 ? cells.slice(0, top).reduce((a, b) => a + b, 0) / total : NaN);
    }
  }
  return { score: mean(per), from: 'CLS-map concentration' };
}

/**
 * Table 3, row 1 (sparse repeating patterns in explicitly supervised models), as a predicate
 * on the results: see the returned `predicate` text.
 * @param input The study's results.
 * @returns The finding: holds / does not hold / not measured, with the per-model numbers.
 * @example sparsePatternsFinding(results).status
 */
export function sparsePatternsFinding(input: ReportInput): Finding {
  const scored = input.models.map((m) => ({ m, s: lateScore(m), g: supervision(m) })).filter((x) => x.s);
  const explicit = scored.filter((x) => x.g === 'explicit');
  const self = scored.filter((x) => x.g === 'contrastive' || x.g === 'reconstruction');
  if (!explicit.length || !self.length) {
    return notMeasured(BASE, 'needs CLS maps (or sparse-pattern scores) of at least one explicitly supervised (fs/clip) and one self-supervised model');
  }
  const numbers: Record<string, number> = {};
  for (const x of scored) numbers[x.m.name] = r3(x.s!.score);
  const minExplicit = Math.min(...explicit.map((x) => x.s!.score));
  const maxSelf = Math.max(...self.map((x) => x.s!.score));
  const holds = minExplicit > maxSelf;
  const list = (xs: typeof scored) => xs.map((x) => `${x.m.name} ${r3(x.s!.score)}`).join(', ');
  return {
    ...BASE,
    status: holds ? 'holds' : 'does not hold',
    evidence: `late-layer ${scored[0].s!.from}: explicit ${list(explicit)} vs self-supervised ${list(self)} (lowest explicit ${r3(minExplicit)} ${holds ? '>' : '≤'} highest self-supervised ${r3(maxSelf)})`,
    numbers,
  };
}
