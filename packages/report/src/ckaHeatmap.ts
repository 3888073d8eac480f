import { VitValueError, type Tensor } from '@vit/io';
import { renderChart, type ChartResult } from './internal/vega.js';
import { checkTensor, flat } from './internal/util.js';

/** Options of {@link ckaHeatmap}. */
export interface CkaHeatmapOptions {
  /** Chart title. @default 'CKA' */
  title?: string;
  /** Row labels (top to bottom). @default layers '1'..'R' */
  rowLabels?: string[];
  /** Column labels. @default layers '1'..'C' */
  colLabels?: string[];
  /** Row axis title. @default 'layer' */
  rowTitle?: string;
  /** Column axis title. @default 'layer' */
  colTitle?: string;
  /** Print the value in every cell (default: when both sides are ≤ 12). */
  values?: boolean;
}

/**
 * The paper's Fig. 6 (and 19–22): a CKA matrix as a heatmap on a fixed [0,1] viridis scale —
 * layer × layer within a model, layer × layer across two models, or model × model at the last
 * layer (pass model names as labels).
 * @param matrix `[R,C]` CKA values.
 * @param options Title, labels, axis titles.
 * @returns `{ svg, spec }`.
 * @throws VitValueError when `matrix` is not 2-D or the labels do not match its size.
 * @example await ckaHeatmap(cka, { title: 'DINO: layer × layer' })
 */
export async function ckaHeatmap(matrix: Tensor, options: CkaHeatmapOptions = {}): Promise<ChartResult> {
  checkTensor(matrix, 'matrix', 'ckaHeatmap', ['R', 'C']);
  const [R, C] = matrix.shape;
  const rl = options.rowLabels ?? Array.from({ length: R }, (_, i) => String(i + 1));
  const cl = options.colLabels ?? Array.from({ length: C }, (_, i) => String(i + 1));
  if (rl.length !== R || cl.length !== C) {
    throw new VitValueError(`labels of ckaHeatmap must match the matrix [${R},${C}]: got ${rl.length} row and ${cl.length} column labels.`, { code: 'VIT_SHAPE' });
  }
  const v = flat(matrix);
  const rows: { row: string; col: string; cka: number | null }[] = [];
  for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) rows.push({ row: rl[i], col: cl[j], cka: Number.isFinite(v[i * C + j]) ? v[i * C + j] : null });
  const showValues = options.values ?? (R <= 12 && C <= 12);
  const size = Math.min(26, Math.max(12, Math.floor(320 / Math.max(R, C))));
  const enc = {
    x: { field: 'col', type: 'ordinal', sort: cl, title: options.colTitle ?? 'layer' },
    y: { field: 'row', type: 'ordinal', sort: rl, title: options.rowTitle ?? 'layer' },
  };
  const layer: Record<string, unknown>[] = [
    { mark: { type: 'rect' }, encoding: { ...enc, color: { field: 'cka', type: 'quantitative', title: 'CKA', scale: { scheme: 'viridis', domain: [0, 1] } }, tooltip: [{ field: 'row' }, { field: 'col' }, { field: 'cka', format: '.3f' }] } },
  ];
  if (showValues) {
    layer.push({
      mark: { type: 'text', fontSize: 9 },
      encoding: { ...enc, text: { field: 'cka', type: 'quantitative', format: '.2f' }, color: { condition: { test: 'datum.cka > 0.6', value: 'black' }, value: 'white' } },
    });
  }
  return renderChart({ title: options.title ?? 'CKA', width: size * C, height: size * R, data: { values: rows }, layer }, 'ckaHeatmap');
}
