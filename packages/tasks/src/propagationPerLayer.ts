import { VitValueError } from '@vit/io';
import type { Tensor, TypedArray } from '@vit/io';
import type { DavisScores } from './davisScores.js';
import { DavisScorer } from './internal/davisScorer.js';
import { maskData } from './internal/masks.js';
import { LabelPropagator, propagatorSettings } from './internal/propagator.js';
import type { PropagateLabelsOptions } from './propagateLabels.js';

export interface PropagationPerLayerOptions extends PropagateLabelsOptions {
  /** 1-based layer number of each entry of a frame's feature list, for the output. @default [1, 2, …, L] */
  layers?: readonly number[];
}

/** DAVIS scores of one layer. */
export interface PropagationLayerResult extends DavisScores {
  /** 1-based layer number. */
  layer: number;
}

/**
 * DAVIS label propagation scored for every layer from one extraction pass: each item of
 * `frames` holds the features of one frame for every layer (`[h,w,D]` each); every layer runs its
 * own {@link propagateLabels} and is scored frame by frame against `gt` with {@link davisScores}'s
 * rules, so no predicted video is kept in memory.
 *
 * @param frames Per frame, the per-layer features `[L]` of `[h,w,D]`.
 * @param gt True label maps of every frame `[H,W]`; `gt[0]` is the propagated annotation.
 * @param options See {@link PropagationPerLayerOptions}.
 * @returns One `{ layer, J, F, JF, perObject }` per layer.
 * @throws VitValueError when `gt[0]` is empty, the number of frames differs from `gt.length`, or the layer count changes between frames.
 * @example
 * const perLayer = await propagationPerLayer(framesByLayer(), gt, { backend: ortBackend() });
 * perLayer.map((r) => [r.layer, r.JF]);
 */
export async function propagationPerLayer(
  frames: AsyncIterable<readonly Tensor<TypedArray>[]> | Iterable<readonly Tensor<TypedArray>[]>,
  gt: readonly Tensor<TypedArray>[],
  options: PropagationPerLayerOptions = {},
): Promise<PropagationLayerResult[]> {
  const fn = 'propagationPerLayer';
  const settings = propagatorSettings(options, fn);
  if (!Array.isArray(gt) || gt.length < 3) {
    throw new VitValueError(`\`gt\` of ${fn} must hold the true label maps of every frame (at least 3). Got ${Array.isArray(gt) ? gt.length : typeof gt}.`);
  }
  const first = maskData(gt[0], 'gt[0]', fn);
  const { h: H, w: W } = first;
  let props: LabelPropagator[] = [];
  let scorers: DavisScorer[] = [];
  let layers: number[] = [];
  let t = 0;
  for await (const perLayer of frames) {
    if (t >= gt.length) throw new VitValueError(`\`frames\` of ${fn} must have one item per frame of \`gt\` (${gt.length}). Got more.`);
    if (!Array.isArray(perLayer) || perLayer.length === 0) {
      throw new VitValueError(`\`frames[${t}]\` of ${fn} must be a non-empty array of per-layer [h,w,D] features.`);
    }
    if (t === 0) {
      layers = options.layers ? [...options.layers] : perLayer.map((_, i) => i + 1);
      if (layers.length !== perLayer.length) {
        throw new VitValueError(`\`layers\` of ${fn} must name one layer per feature tensor (${perLayer.length}). Got ${layers.length}.`);
      }
      scorers = perLayer.map(() => new DavisScorer(first.data, H, W, gt.length, 'gt[0]', fn));
      props = perLayer.map(() => new LabelPropagator(first.data, H, W, settings, fn));
    } else if (perLayer.length !== props.length) {
      throw new VitValueError(`\`frames[${t}]\` of ${fn} must hold ${props.length} layers like frame 0. Got ${perLayer.length}.`);
    }
    const g = t === 0 || t === gt.length - 1 ? null : maskData(gt[t], `gt[${t}]`, fn, [H, W]);
    for (let l = 0; l < props.length; l++) {
      const { labels } = await props[l].step(perLayer[l], `frames[${t}][${l}]`);
      if (g) scorers[l].add(t, labels, g.data);
    }
    t++;
  }
  if (t !== gt.length) throw new VitValueError(`\`frames\` of ${fn} must have one item per frame of \`gt\` (${gt.length}). Got ${t}.`);
  return scorers.map((s, l) => ({ layer: layers[l], ...s.result() }));
}
