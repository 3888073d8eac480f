import { VitValueError, type Tensor } from '@vit/io';
import { heatGridPng } from './internal/heatGrid.js';
import { checkTensor, flat } from './internal/util.js';

/** Options of {@link clsAttentionGrid}. */
export interface ClsAttentionGridOptions {
  /** Pixels per token cell. @default the smallest integer making each map at least 48 px wide */
  cell?: number;
  /** White pixels between maps. @default 4 */
  gutter?: number;
}

/**
 * The paper's Fig. 2: average CLS-attention maps of one model as a PNG grid — one row per layer
 * (layer 1 at the top), one column per head (head 0 on the left) — each map min–max normalised
 * on its own, viridis, white gutters, and a colour bar on the right (bottom = the map's
 * minimum, top = its maximum; ticks at 0, ½, 1).
 * @param maps `[L,H,gh,gw]` average CLS maps (`AverageCLSAccumulator` of `@vit/attention`).
 * @param options Cell size and gutter.
 * @returns PNG bytes.
 * @throws VitValueError when `maps` is not a rank-4 tensor or the options are not positive integers.
 * @example await atomicWrite('cls.png', await clsAttentionGrid(result.cls.maps))
 */
export async function clsAttentionGrid(maps: Tensor, options: ClsAttentionGridOptions = {}): Promise<Uint8Array> {
  checkTensor(maps, 'maps', 'clsAttentionGrid', ['L', 'H', 'gh', 'gw']);
  const [L, H, gh, gw] = maps.shape;
  const { cell, gutter } = gridOptions(options, gh, gw, 'clsAttentionGrid');
  return heatGridPng(flat(maps), { rows: L, cols: H, h: gh, w: gw, cell, gutter, midlines: false, normalise: 'map' });
}

/** Validated cell size and gutter (shared by the grid figures). */
export function gridOptions(o: { cell?: number; gutter?: number }, h: number, w: number, fn: string): { cell: number; gutter: number } {
  const cell = o.cell ?? Math.max(1, Math.ceil(48 / Math.max(h, w)));
  const gutter = o.gutter ?? 4;
  if (!Number.isInteger(cell) || cell < 1 || cell > 64) throw new VitValueError(`\`cell\` of ${fn} must be an integer in [1, 64] (pixels per cell). Got ${cell}.`);
  if (!Number.isInteger(gutter) || gutter < 0 || gutter > 64) throw new VitValueError(`\`gutter\` of ${fn} must be an integer in [0, 64] (pixels). Got ${gutter}.`);
  return { cell, gutter };
}
