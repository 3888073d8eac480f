import { VitValueError, type Tensor } from '@vit/io';
import { renderChart, type ChartResult } from './internal/vega.js';
import { checkTensor, flat } from './internal/util.js';

/** Options of {@link attentionDistanceChart}. */
export interface AttentionDistanceChartOptions {
  /** Chart title. @default 'Average attention distance' */
  title?: string;
  /** Model names in legend order; fixes each model's colour across charts. @default the order given */
  models?: string[];
}

/**
 * The paper's Fig. 4: average attention distance of every head (points) and its mean over
 * heads per layer (lines), per model, against the layer.
 * @param models `{ name, distance }` per model, `distance` `[L,H]` (`AttentionDistanceAccumulator`).
 * @param options The title.
 * @returns `{ svg, spec }`: SVG text and the vega-lite spec with its data inlined.
 * @throws VitValueError for an empty list or a `distance` that is not `[L,H]`.
 * @example const { svg } = await attentionDistanceChart([{ name: 'dino', distance }])
 */
export async function attentionDistanceChart(models: { name: string; distance: Tensor }[], options: AttentionDistanceChartOptions = {}): Promise<ChartResult> {
  if (!Array.isArray(models) || models.length === 0) throw new VitValueError('`models` of attentionDistanceChart must be a non-empty list of { name, distance [L,H] }.', { code: 'VIT_EMPTY' });
  const rows: { model: string; layer: number; head: number; distance: number }[] = [];
  let maxL = 1;
  for (const m of models) {
    checkTensor(m?.distance, `${m?.name}.distance`, 'attentionDistanceChart', ['L', 'H']);
    const [L, H] = m.distance.shape;
    maxL = Math.max(maxL, L);
    const v = flat(m.distance);
    for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) if (Number.isFinite(v[l * H + h])) rows.push({ model: m.name, layer: l + 1, head: h, distance: v[l * H + h] });
  }
  const domain = options.models ?? models.map((m) => m.name);
  const x = { field: 'layer', type: 'quantitative', title: 'layer', scale: { domain: [0.5, maxL + 0.5] }, axis: { tickMinStep: 1, format: 'd' } };
  return renderChart(
    {
      title: options.title ?? 'Average attention distance',
      width: 360,
      height: 220,
      data: { values: rows },
      layer: [
        {
          mark: { type: 'point', filled: true, opacity: 0.55, size: 28 },
          encoding: { x, y: { field: 'distance', type: 'quantitative', title: 'attention distance (unit square)' }, color: { field: 'model', type: 'nominal', scale: { domain } }, tooltip: [{ field: 'model' }, { field: 'layer' }, { field: 'head' }, { field: 'distance', format: '.3f' }] },
        },
        { mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x, y: { aggregate: 'mean', field: 'distance', type: 'quantitative' }, color: { field: 'model', type: 'nominal', scale: { domain } } } },
      ],
    },
    'attentionDistanceChart',
  );
}
