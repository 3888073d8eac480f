import { curveRows, curvesChart, type Curve } from './internal/curves.js';
import type { ChartResult } from './internal/vega.js';

/** Options of {@link taskChart}. */
export interface TaskChartOptions {
  /** Chart title. @default 'Downstream task' */
  title?: string;
  /** Y axis title. @default 'score' */
  yTitle?: string;
  /** Fix the y axis to [0, 1]. @default true */
  unitRange?: boolean;
  /** Model names in legend order; fixes each model's colour across charts. @default the order given */
  models?: string[];
}

/**
 * The paper's Figs. 9–10: a downstream task's score per layer (k-NN top-1, retrieval mAP,
 * DAVIS J&F, SPair PCK), one line per model.
 * @param curves `{ name, layers?, values [L] }` per model.
 * @param options Title, y title, range.
 * @returns `{ svg, spec }`.
 * @throws VitValueError for an empty list or values that are not `[L]`.
 * @example await taskChart(curves, { title: 'k-NN (k = 20)', yTitle: 'top-1' })
 */
export async function taskChart(curves: Curve[], options: TaskChartOptions = {}): Promise<ChartResult> {
  return curvesChart(curveRows(curves, 'taskChart'), {
    title: options.title ?? 'Downstream task',
    yTitle: options.yTitle ?? 'score',
    yDomain: options.unitRange === false ? undefined : [0, 1],
    fn: 'taskChart',
    models: options.models,
  });
}
