import type { LoadedCheckpoint, ResolvedViTConfig, ViTPreprocessing } from '@vit/runtime';

/**
 * The checkpoint family's evaluation transform as the model's stored preprocessing metadata
 * (`vit build --weights`, `vit study` models built from a checkpoint).
 * @param ckpt what `loadCheckpoint` read.
 * @param c the resolved config of the model to build.
 * @returns the metadata `writeViT` stores, or `undefined` for a model that does not take RGB.
 * @example checkpointPreprocessing(ckpt, resolveViTConfig(ckpt.config)) // { mean, std, inputSize: [3, 224, 224], interpolation: 'bicubic' }
 */
export function checkpointPreprocessing(ckpt: LoadedCheckpoint, c: ResolvedViTConfig): ViTPreprocessing | undefined {
  if (c.inChannels !== 3) return undefined;
  const p = ckpt.preprocessing;
  return { mean: p.mean, std: p.std, inputSize: [3, c.imageSize[0], c.imageSize[1]], interpolation: p.interpolation };
}
