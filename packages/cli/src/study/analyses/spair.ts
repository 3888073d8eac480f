import { z } from 'zod';
import { VitValueError, readImage, tensor } from '@vit/io';
import type { Tensor } from '@vit/io';
import { gaussianLike } from '@vit/features';
import { KeypointAccumulator } from '@vit/tasks';
import type { Keypoint, KeypointResult } from '@vit/tasks';
import { transformKeypoints } from '@vit/runtime';
import type { Dataset, SpairImage, SpairPair } from '@vit/datasets';
import { analysisBase } from './common.js';
import { SpillState, spillLifecycle } from './spillState.js';
import type { SpillPolicy } from './spillState.js';
import { entryLayers, modelGeometry, studySeed } from './taskInputs.js';
import type { FinishedModel, ModelFragment, OpenDataset, OpenModel, PassContext, StudyAnalysis, StudyFragment, StudyItem } from '../types.js';

/** The `spair` entry of a study config's `analyses` (SPEC 17, a `spair` dataset; the items are the pairs' images). */
export const spairConfig = analysisBase.extend({
  type: z.literal('spair'),
  /** PCK threshold α (SPEC 17: 0.1 in the paper's table). */
  alpha: z.number().positive().max(1).default(0.1),
});
export type SpairConfig = z.infer<typeof spairConfig>;

interface Pairs {
  pairs: readonly SpairPair[];
  /** Code of every distinct image (by path), in order of first appearance over the pairs. */
  codes: Map<string, number>;
}

function pairsOf(dataset: OpenDataset): Pairs {
  const src = dataset.source as Dataset<SpairPair>;
  if (dataset.reader !== 'spair' || !Array.isArray(src?.samples)) throw new VitValueError(`spair needs a spair dataset; "${dataset.name}" is read by ${dataset.reader}.`);
  const pairs: readonly SpairPair[] = src.samples;
  const codes = new Map<string, number>();
  for (const p of pairs) for (const side of [p.source, p.target]) if (!codes.has(side.path)) codes.set(side.path, codes.size);
  return { pairs, codes };
}

function policy(ctx: PassContext): SpillPolicy {
  const { codes } = pairsOf(ctx.dataset);
  return {
    what: 'spair',
    layers: entryLayers(ctx.model, ctx.config.layers, 'spair'),
    mode: 'spatial',
    keep: (it: StudyItem) => codes.has(it.path),
    labels: (items) => items.map((it) => codes.get(it.path)!),
    tag: ctx.dataset.name,
  };
}

/** Original `[H, W]` of each image file (decoded once per process). */
const sizes = new Map<string, Promise<[number, number]>>();
function sizeOf(path: string): Promise<[number, number]> {
  let p = sizes.get(path);
  if (!p) sizes.set(path, (p = readImage(path).then((t) => [t.shape[0], t.shape[1]] as [number, number])));
  return p;
}

/** A pair's keypoints as the model saw both images (those inside both crops), and the target box size in the resized frame. */
async function pairGeometry(pair: SpairPair, model: OpenModel): Promise<{ srcKps: Keypoint[]; tgtKps: Keypoint[]; bboxSize: number; size: number }> {
  const geom = modelGeometry(model);
  const [h, w] = model.imageSize;
  if (h !== w) throw new VitValueError(`spair needs a square input; model "${model.name}" takes ${h}×${w}.`);
  const map = async (img: SpairImage) => transformKeypoints(img.keypoints, await sizeOf(img.path), geom);
  const s = await map(pair.source);
  const t = await map(pair.target);
  const srcKps: Keypoint[] = [];
  const tgtKps: Keypoint[] = [];
  // a point within half a pixel of the border lies in the border pixel (transformKeypoints' `inside`): clamp it onto the frame
  const at = (v: number) => Math.min(h - 1, Math.max(0, v));
  for (let i = 0; i < s.inside.length; i++) {
    if (!s.inside[i] || !t.inside[i]) continue;
    srcKps.push([at(s.points.data[2 * i]), at(s.points.data[2 * i + 1])]);
    tgtKps.push([at(t.points.data[2 * i]), at(t.points.data[2 * i + 1])]);
  }
  const [x1, y1, x2, y2] = pair.target.bbox;
  const box = transformKeypoints(tensor(new Float32Array([x1, y1, x2, y2]), [2, 2]), await sizeOf(pair.target.path), geom).points.data;
  return { srcKps, tgtKps, bboxSize: Math.max(box[2] - box[0], box[3] - box[1]), size: h };
}

type ImageSource = (code: number) => Promise<Tensor[]>;

/** PCK@α of every pair whose two images were seen. */
async function score(dataset: OpenDataset, model: OpenModel, alpha: number, seen: Set<number>, features: ImageSource, backend: PassContext['backend']): Promise<KeypointResult | null> {
  const { pairs, codes } = pairsOf(dataset);
  const acc = new KeypointAccumulator({ alphas: [alpha], backend });
  let keypoints = 0;
  for (const pair of pairs) {
    const a = codes.get(pair.source.path)!;
    const b = codes.get(pair.target.path)!;
    if (!seen.has(a) || !seen.has(b)) continue;
    const g = await pairGeometry(pair, model);
    keypoints += g.srcKps.length;
    await acc.update({ category: pair.category, src: await features(a), tgt: await features(b), ...g });
  }
  return keypoints === 0 ? null : acc.result();
}


/**
 * SPair-71k keypoint correspondence per layer (SPEC 17): every image's spatial tokens spilled
 * during the pass (a pair's images may lie in different batches or shards), then each pair's
 * keypoints matched with a `KeypointAccumulator` → `tasks.spair` (PCK@α, mean over categories);
 * Gaussian features of the same shape → `baselines.spair`. Images and keypoints are taken as the
 * model saw them (the preset's resize and centre crop; keypoints cropped away in either image are
 * left out), not letterboxed as in SPEC 17.
 */
export const spairAnalysis: StudyAnalysis = {
  type: 'spair',
  ...spillLifecycle('spair', policy),
  async finishModel(state, ctx): Promise<ModelFragment> {
    const st = state as SpillState;
    const at = st.rowsByLabel();
    const shape = st.spill.itemShape ?? [];
    const r = await score(
      ctx.dataset,
      ctx.model,
      (ctx.config as SpairConfig).alpha,
      new Set(at.keys()),
      (c) => st.readItem(at.get(c)!, shape),
      ctx.backend,
    );
    if (!r) throw new VitValueError(`spair of model "${ctx.model.name}" on "${ctx.dataset.name}": no pair with a keypoint inside both images was seen.`, { code: 'VIT_EMPTY' });
    const L = r.layers.length;
    return { tasks: { spair: { layers: st.spill.layers, pck: tensor(Float32Array.from({ length: L }, (_, l) => r.mean.data[l]), [L]), alpha: r.alphas[0] } } };
  },
  async finishStudy(models: readonly FinishedModel[], ctx): Promise<StudyFragment> {
    if (models.length === 0) return {};
    const { dataset, model } = models[0];
    const st = models[0].state as SpillState;
    const shape = { shape: st.spill.itemShape } as unknown as Tensor;
    // seeded Gaussian features of every image's shape [gh,gw,D]: image c gets seed s + c (the same in every pair)
    const r = await score(dataset, model, (ctx.config as SpairConfig).alpha, new Set(st.rowsByLabel().keys()), async (c) => [gaussianLike(shape, { seed: studySeed(ctx) + c })], ctx.backend);
    return r ? { baselines: { spair: r.mean.data[0] } } : {};
  },
};
