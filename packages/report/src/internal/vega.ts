// Vega-lite → SVG in Node (no browser, no canvas): compile with vega-lite, render with vega's
// headless View. Loaded lazily so that importing @vit/report stays cheap.
import { VitValueError } from '@vit/io';

/** A chart: the SVG text and the vega-lite spec with its data inlined (restyle and re-render it). */
export interface ChartResult {
  /** Standalone SVG document. */
  svg: string;
  /** The vega-lite 5 spec (`$schema`, inline `data.values`). */
  spec: Record<string, unknown>;
}

type VegaModules = { vega: typeof import('vega'); vl: typeof import('vega-lite') };
let modules: Promise<VegaModules> | null = null;

export function loadVega(): Promise<VegaModules> {
  modules ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vl]) => ({
    vega: ((vega as unknown as { default?: typeof import('vega') }).default?.View ? (vega as unknown as { default: typeof import('vega') }).default : vega) as typeof import('vega'),
    vl: ((vl as unknown as { default?: typeof import('vega-lite') }).default?.compile ? (vl as unknown as { default: typeof import('vega-lite') }).default : vl) as typeof import('vega-lite'),
  }));
  return modules;
}

/** Look shared by every chart: system fonts only (the report is offline), white background. */
export const CHART_CONFIG = {
  font: 'system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif',
  background: 'white',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eee' },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 13, anchor: 'start' },
} as const;

export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

/** Compile and render a vega-lite spec to SVG. */
export async function renderChart(spec: Record<string, unknown>, fn: string): Promise<ChartResult> {
  const { vega, vl } = await loadVega();
  const full = { $schema: SCHEMA, config: CHART_CONFIG, ...spec };
  let svg: string;
  try {
    const compiled = vl.compile(JSON.parse(JSON.stringify(full))).spec; // a copy: vega tags data objects
    const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
    svg = await view.toSVG();
    view.finalize();
  } catch (e) {
    throw new VitValueError(`${fn}: the chart could not be rendered (${(e as Error).message}); check the input values.`, { cause: e });
  }
  return { svg, spec: full };
}
