import { curveRows, curvesChart, type Curve } from './internal/curves.js';
import type { ChartResult } from './internal/vega.js';

/** Options of {@link saliencyChart}. */
export interface SaliencyChartOptions {
  /** Chart title. @default 'Attention saliency IoU (best head per image)' */
  title?: string;
  /** Model names in legend order; fixes each model's colour across charts. @default the order given */
  models?: string[];
}

/**
 * The paper's Fig. 5: attention-saliency IoU per layer (the oracle best head), one line per model.
 * @param curves `{ name, layers?, values [L] }` per model (`SaliencyIoUAccumulator` oracle values).
 * @param options The title.
 * @returns `{ svg, spec }`.
 * @throws VitValueError for an empty list or values that are not `[L]`.
 * @example await saliencyChart([{ name: 'fs', values: oracle }])
 */
export async function saliencyChart(curves: Curve[], options: SaliencyChartOptions = {}): Promise<ChartResult> {
  return curvesChart(curveRows(curves, 'saliencyChart'), { title: options.title ?? 'Attention saliency IoU (best head per image)', yTitle: 'IoU', yDomain: [0, 1], fn: 'saliencyChart', models: options.models });
}
