import { VitValueError, tensor, type Data, type Tensor } from '@vit/io';
import type { AttentionCheckOptions, AttentionGrid } from './grid.js';
import { saliencyMapKernel } from './internal/kernels.js';
import { checkSource } from './internal/options.js';
import { checkMass, gtMasks, saliencyFromMaps } from './internal/saliency.js';
import { RowStats, attentionView, requireCls } from './internal/view.js';

/** Options of {@link saliencyIoU}. */
export interface SaliencyIoUOptions extends AttentionCheckOptions {
  /**
   * The map a head predicts from: its CLS row `A[0,P:]` (`'cls'`, needs `prefix ≥ 1`) or
   * the sum of its spatial rows `A[q,P:]` (`'spatial'`).
   * @default 'cls'
   */
  source?: 'cls' | 'spatial';
  /**
   * Share of the map's mass the predicted mask keeps (SPEC 5).
   * @default 0.6
   */
  mass?: number;
  /**
   * `'each'`: one IoU per head, `[B,H]`; `'merged'`: the IoU of the head-merged map (the sum
   * of the heads' maps), `[B,1]`.
   * @default 'each'
   */
  heads?: 'each' | 'merged';
}

/**
 * Attention saliency IoU (SPEC 5) of one layer: each head's map (CLS row, or sum of spatial
 * rows) is normalised, cut to the tokens holding `mass` (0.6) of it, and compared with the
 * ground-truth token mask by IoU.
 *
 * @param att Attention probabilities `[B,H,T,T]`.
 * @param grid The token layout `{ gh, gw, prefix }`.
 * @param masks Ground-truth token masks `[B,gh,gw]`, any numeric dtype; a token is foreground
 *   when its value is > 0 (e.g. a positive area fraction).
 * @param options See {@link SaliencyIoUOptions}.
 * @returns `[B,H]` float32 (`[B,1]` with `heads: 'merged'`); images with an empty ground truth
 *   are skipped and hold NaN. A head whose map is all zero (e.g. a CLS row entirely on the
 *   prefix tokens) predicts an empty mask, IoU 0.
 * @throws VitValueError (`VIT_SHAPE`) on a grid or `masks` shape mismatch; (`VIT_NO_CLS`) for
 *   `source: 'cls'` with `prefix` 0; (`VIT_NON_FINITE`) on NaN/Inf in `att`.
 * @example
 * const iou = saliencyIoU(att, { gh: 14, gw: 14, prefix: 1 }, masks); // [8,12]
 */
export function saliencyIoU(att: Tensor, grid: AttentionGrid, masks: Tensor<Data>, options: SaliencyIoUOptions = {}): Tensor {
  const fn = 'saliencyIoU';
  const source = checkSource(options.source ?? 'cls', fn);
  const mass = checkMass(options.mass ?? 0.6, fn);
  const heads = options.heads ?? 'each';
  if (heads !== 'each' && heads !== 'merged') throw new VitValueError(`\`heads\` of ${fn} must be 'each' or 'merged'. Got ${JSON.stringify(heads)}.`);
  const v = attentionView(att, grid, fn);
  if (source === 'cls') requireCls(grid, fn, "use source 'spatial'");
  const gt = gtMasks(masks, v.B, v.gh, v.gw, fn, 'masks');
  const st = new RowStats(fn, 'att', options);
  const maps = new Float64Array(v.B * v.H * v.N);
  saliencyMapKernel(v, source, maps, st);
  st.flush();
  const iou = new Float64Array(v.B * v.H);
  const merged = new Float64Array(v.B);
  saliencyFromMaps(maps, gt, v.B, v.H, v.N, mass, iou, merged);
  return heads === 'merged' ? tensor(Float32Array.from(merged), [v.B, 1]) : tensor(Float32Array.from(iou), [v.B, v.H]);
}
