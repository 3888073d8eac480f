import { VitValueError } from '@vit/io';
import { bestOf } from './internal/best.js';
import { esc } from './internal/util.js';
import type { Baselines, ModelResults } from './types.js';

/** One task column of {@link bestLayerTable}. */
export interface BestLayerColumn {
  /** Task key: `knn`, `retrieval`, `davis` or `spair`. */
  task: keyof Baselines;
  dataset: string;
  metric: string;
}

/** Result of {@link bestLayerTable}. */
export interface BestLayerTable {
  columns: BestLayerColumn[];
  /** One row per model (then `Random` when baselines are given): per column the best value and its 1-based layer, or null. */
  rows: { model: string; cells: ({ value: number; layer: number | null } | null)[] }[];
  /** The table as HTML (`<table class="best-layer">`), values as in the paper (Top-1 and PCK in %, mAP and J&F in [0,1]), best per column in bold. */
  html: string;
}

const COLUMNS: (BestLayerColumn & { pick: (m: ModelResults) => { values?: import('@vit/io').Tensor; layers?: number[] } | undefined; percent: boolean })[] = [
  { task: 'knn', dataset: 'ImageNet', metric: 'Top-1 ↑', percent: true, pick: (m) => m.tasks?.knn && { values: m.tasks.knn.top1, layers: m.tasks.knn.layers } },
  { task: 'retrieval', dataset: 'ROxford5k (M)', metric: 'mAP ↑', percent: false, pick: (m) => m.tasks?.retrieval && { values: m.tasks.retrieval.medium, layers: m.tasks.retrieval.layers } },
  { task: 'davis', dataset: 'DAVIS', metric: 'J and F Mean ↑', percent: false, pick: (m) => m.tasks?.davis && { values: m.tasks.davis.jf, layers: m.tasks.davis.layers } },
  { task: 'spair', dataset: 'SPair-71k', metric: 'PCK@0.1 ↑', percent: true, pick: (m) => m.tasks?.spair && { values: m.tasks.spair.pck, layers: m.tasks.spair.layers } },
];

/**
 * The paper's Table 1: for each model and downstream task, the best score over layers and the
 * layer that gives it (in parentheses), plus a `Random` row from the baselines. Columns appear
 * for the tasks at least one model has; dataset names come from the results when given.
 * @param models The models' results (their `tasks`).
 * @param baselines Random-feature scores (optional).
 * @returns `{ columns, rows, html }`.
 * @throws VitValueError when `models` is not an array.
 * @example document.body.innerHTML = bestLayerTable(input.models, input.baselines).html
 */
export function bestLayerTable(models: ModelResults[], baselines: Baselines = {}): BestLayerTable {
  if (!Array.isArray(models)) throw new VitValueError('`models` of bestLayerTable must be an array of model results.');
  const cols = COLUMNS.filter((c) => models.some((m) => c.pick(m)?.values));
  const columns = cols.map(({ task, metric }) => {
    const m = models.find((x) => x.tasks?.[task]);
    const ds = (m?.tasks?.[task] as { dataset?: string } | undefined)?.dataset;
    return { task, metric, dataset: ds ?? COLUMNS.find((c) => c.task === task)!.dataset };
  });
  const rows: BestLayerTable['rows'] = models.map((m) => ({
    model: m.name,
    cells: cols.map((c) => {
      const p = c.pick(m);
      const b = bestOf(p?.values, p?.layers);
      return b ? { value: b.value, layer: b.layer } : null;
    }),
  }));
  if (cols.some((c) => baselines[c.task] !== undefined)) rows.push({ model: 'Random', cells: cols.map((c) => (baselines[c.task] === undefined ? null : { value: baselines[c.task]!, layer: null })) });
  const best = cols.map((_, j) => Math.max(...rows.filter((r) => r.model !== 'Random').map((r) => r.cells[j]?.value ?? -Infinity)));
  const fmt = (v: number, percent: boolean) => (percent ? (v * 100).toFixed(2) : v.toFixed(2));
  const head = `<tr><th>Dataset</th>${columns.map((c) => `<th>${esc(c.dataset)}</th>`).join('')}</tr><tr><th>Metric</th>${columns.map((c) => `<th>${esc(c.metric)}</th>`).join('')}</tr>`;
  const body = rows
    .map((r) => {
      const cells = r.cells.map((c, j) => {
        if (!c) return '<td class="na">–</td>';
        const text = `${fmt(c.value, cols[j].percent)}${c.layer === null ? '' : ` (${c.layer})`}`;
        return `<td>${r.model !== 'Random' && c.value === best[j] ? `<strong>${text}</strong>` : text}</td>`;
      });
      return `<tr><th scope="row">${esc(r.model)}</th>${cells.join('')}</tr>`;
    })
    .join('\n');
  const html = `<table class="best-layer">\n<caption>Best performance for each model on each downstream task, with the best layer in parentheses (Top-1 and PCK in %).</caption>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
  return { columns: columns as BestLayerColumn[], rows, html };
}
