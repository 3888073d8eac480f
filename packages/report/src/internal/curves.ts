import { VitValueError, type Tensor } from '@vit/io';
import { renderChart, type ChartResult } from './vega.js';
import { series } from './util.js';

/** One model's per-layer curve. */
export interface Curve {
  /** Model name (legend). */
  name: string;
  /** 1-based layers of `values`. @default 1..n */
  layers?: number[];
  /** `[L']` values. */
  values: Tensor;
}

export interface CurveRow {
  model: string;
  layer: number;
  value: number;
  [extra: string]: string | number;
}

export function curveRows(curves: Curve[], fn: string, extra: Record<string, string> = {}): CurveRow[] {
  if (!Array.isArray(curves) || curves.length === 0) throw new VitValueError(`\`curves\` of ${fn} must be a non-empty list of { name, values [L] }.`, { code: 'VIT_EMPTY' });
  const rows: CurveRow[] = [];
  for (const c of curves) {
    if (!c || typeof c.name !== 'string') throw new VitValueError(`every curve of ${fn} needs a \`name\` string.`);
    const s = series(c, c.values, `${c.name}.values`, fn)!;
    s.layers.forEach((layer, i) => {
      if (Number.isFinite(s.values[i])) rows.push({ model: c.name, layer, value: s.values[i], ...extra });
    });
  }
  return rows;
}

/** Shared line chart over layers: one line (with points) per model, optional facet column. */
export function curvesChart(rows: CurveRow[], o: { title: string; yTitle: string; yDomain?: [number, number]; column?: string; fn: string; strokeDash?: string; models?: string[] }): Promise<ChartResult> {
  const domain = o.models ?? [...new Set(rows.map((r) => r.model))];
  const maxLayer = rows.reduce((m, r) => Math.max(m, r.layer), 1);
  const enc: Record<string, unknown> = {
    x: { field: 'layer', type: 'quantitative', title: 'layer', scale: { domain: [1, maxLayer] }, axis: { tickMinStep: 1, format: 'd' } },
    y: { field: 'value', type: 'quantitative', title: o.yTitle, ...(o.yDomain ? { scale: { domain: o.yDomain } } : {}) },
    color: { field: 'model', type: 'nominal', title: 'model', scale: { domain } },
    tooltip: [{ field: 'model' }, { field: 'layer' }, { field: 'value', format: '.3f' }, ...(o.strokeDash ? [{ field: o.strokeDash }] : [])],
  };
  if (o.strokeDash) enc.strokeDash = { field: o.strokeDash, type: 'nominal', title: o.strokeDash };
  const unit = { mark: { type: 'line', point: true, strokeWidth: 1.5 }, encoding: enc };
  const spec = o.column
    ? { title: o.title, data: { values: rows }, facet: { column: { field: o.column, type: 'nominal', title: null } }, spec: { width: 220, height: 180, ...unit }, resolve: { scale: { y: 'independent' } } }
    : { title: o.title, data: { values: rows }, width: 360, height: 220, ...unit };
  return renderChart(spec, o.fn);
}
