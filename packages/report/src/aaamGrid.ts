import { VitValueError, type Tensor } from '@vit/io';
import { gridOptions, type ClsAttentionGridOptions } from './clsAttentionGrid.js';
import { heatGridPng } from './internal/heatGrid.js';
import { checkTensor, flat } from './internal/util.js';

/** Options of {@link aaamGrid}. */
export type AaamGridOptions = ClsAttentionGridOptions;

/**
 * The paper's Fig. 3: aligned aggregated attention maps of one model as a PNG grid (rows =
 * layers 1..L top to bottom, columns = heads), each map min–max normalised, with red midlines
 * through the centre cell — the query's own position — so offset-local heads show as a peak
 * beside the cross; colour bar on the right.
 * @param aaam `[L,H,2gh−1,2gw−1]` (`AAAMAccumulator` of `@vit/attention`).
 * @param options Cell size and gutter.
 * @returns PNG bytes.
 * @throws VitValueError when `aaam` is not rank 4 with odd map sizes.
 * @example await atomicWrite('aaam.png', await aaamGrid(result.aaam.aaam))
 */
export async function aaamGrid(aaam: Tensor, options: AaamGridOptions = {}): Promise<Uint8Array> {
  checkTensor(aaam, 'aaam', 'aaamGrid', ['L', 'H', '2gh−1', '2gw−1']);
  const [L, H, h, w] = aaam.shape;
  if (h % 2 !== 1 || w % 2 !== 1) {
    throw new VitValueError(`\`aaam\` of aaamGrid must have odd map sizes [L,H,2gh−1,2gw−1]. Got [${aaam.shape.join(',')}].`, { code: 'VIT_SHAPE' });
  }
  const { cell, gutter } = gridOptions(options, h, w, 'aaamGrid');
  return heatGridPng(flat(aaam), { rows: L, cols: H, h, w, cell, gutter, midlines: true, normalise: 'map' });
}
