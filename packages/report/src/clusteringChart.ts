import { VitValueError } from '@vit/io';
import { curveRows, curvesChart, type CurveRow } from './internal/curves.js';
import type { ChartResult } from './internal/vega.js';
import type { ClusteringScores } from './types.js';

/** Options of {@link clusteringChart}. */
export interface ClusteringChartOptions {
  /** Chart title. @default 'Clustering' */
  title?: string;
  /** Model names in legend order; fixes each model's colour across charts. @default the order given */
  models?: string[];
}

/**
 * The paper's Figs. 7–8: k-means clustering scores per layer — purity, NMI and ARI side by
 * side (one panel each, present metrics only) — one line per model, for one feature kind
 * (CLS, spatial, object or part).
 * @param models `{ name, scores }` per model, `scores` = `{ layers?, purity [L], nmi? [L], ari? [L] }`.
 * @param options The title (say the feature kind).
 * @returns `{ svg, spec }`.
 * @throws VitValueError for an empty list or series that are not `[L]`.
 * @example await clusteringChart([{ name: 'dino', scores: { purity, nmi, ari } }], { title: 'CLS token' })
 */
export async function clusteringChart(models: { name: string; scores: ClusteringScores }[], options: ClusteringChartOptions = {}): Promise<ChartResult> {
  if (!Array.isArray(models) || models.length === 0) throw new VitValueError('`models` of clusteringChart must be a non-empty list of { name, scores }.', { code: 'VIT_EMPTY' });
  const rows: CurveRow[] = [];
  for (const metric of ['purity', 'nmi', 'ari'] as const) {
    const curves = models.filter((m) => m?.scores?.[metric]).map((m) => ({ name: m.name, layers: m.scores.layers, values: m.scores[metric]! }));
    if (curves.length) rows.push(...curveRows(curves, 'clusteringChart', { metric: metric === 'purity' ? 'purity' : metric.toUpperCase() }));
  }
  if (rows.length === 0) throw new VitValueError('`models` of clusteringChart hold no purity, NMI or ARI values.', { code: 'VIT_EMPTY' });
  return curvesChart(rows, { title: options.title ?? 'Clustering', yTitle: 'score', column: 'metric', fn: 'clusteringChart', models: options.models });
}
