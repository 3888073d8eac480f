import { VitValueError, type Tensor } from '@vit/io';
import { curveRows, curvesChart } from './internal/curves.js';
import type { ChartResult } from './internal/vega.js';

/** Options of {@link residualCkaChart}. */
export interface ResidualCkaChartOptions {
  /** Chart title. @default 'Residual CKA: skip input vs branch output' */
  title?: string;
  /** Model names in legend order; fixes each model's colour across charts. @default the order given */
  models?: string[];
}

/**
 * Residual CKA (paper Fig. 23): per layer, CKA between the skip input and the branch output of
 * the attention (solid) and MLP (dashed) sub-blocks, one colour per model.
 * @param models `{ name, layers?, attention [L], mlp [L] }` per model.
 * @param options The title.
 * @returns `{ svg, spec }`.
 * @throws VitValueError for an empty list or series that are not `[L]`.
 * @example await residualCkaChart([{ name: 'mae', attention, mlp }])
 */
export async function residualCkaChart(models: { name: string; layers?: number[]; attention: Tensor; mlp: Tensor }[], options: ResidualCkaChartOptions = {}): Promise<ChartResult> {
  if (!Array.isArray(models) || models.length === 0) throw new VitValueError('`models` of residualCkaChart must be a non-empty list of { name, attention [L], mlp [L] }.', { code: 'VIT_EMPTY' });
  const rows = [
    ...curveRows(models.map((m) => ({ name: m.name, layers: m.layers, values: m.attention })), 'residualCkaChart', { branch: 'attention' }),
    ...curveRows(models.map((m) => ({ name: m.name, layers: m.layers, values: m.mlp })), 'residualCkaChart', { branch: 'mlp' }),
  ];
  return curvesChart(rows, { title: options.title ?? 'Residual CKA: skip input vs branch output', yTitle: 'CKA', yDomain: [0, 1], strokeDash: 'branch', fn: 'residualCkaChart', models: options.models });
}
