import { VitValueError } from '@vit/io';
import type { OpenModel } from '../../types.js';

/**
 * The 1-based layers an analysis entry runs on for `model`: its `layers` (sorted, unique) or
 * every layer when omitted.
 * @throws VitValueError naming the analysis, the model and the valid range when a layer is past the model's last.
 */
export function analysisLayers(model: Pick<OpenModel, 'name' | 'layers'>, layers: readonly number[] | undefined, type: string): number[] {
  if (layers === undefined) return Array.from({ length: model.layers }, (_, i) => i + 1);
  const bad = layers.find((l) => !Number.isInteger(l) || l < 1 || l > model.layers);
  if (bad !== undefined) {
    throw new VitValueError(`\`layers\` of the ${type} analysis: layer ${bad} is out of range for model ${model.name} (it has layers 1 to ${model.layers}); pick layers in that range.`);
  }
  return [...new Set(layers)].sort((a, b) => a - b);
}
