import { describe, expect, it } from 'vitest';
import { tensor } from '@vit/io';
import { entryLayers, itemRows, modelGeometry } from './taskInputs.js';
import { plantedModel } from './testFixtures.js';

describe('task inputs', () => {
  it('itemRows: CLS, mean of the spatial tokens and the spatial grid of the kept items (by hand)', () => {
    // B = 2 items, prefix 1 + 2×1 grid, D = 2: token k of item b = [10b + k, −(10b + k)]
    const t = tensor(Float32Array.from({ length: 12 }, (_, i) => { const b = Math.floor(i / 6); const k = Math.floor((i % 6) / 2); return (i % 2 ? -1 : 1) * (10 * b + k); }), [2, 3, 2]);
    const grid = { gh: 2, gw: 1, prefix: 1 };
    expect(itemRows(t, [1], 'cls', grid, 't')).toEqual({ data: Float32Array.from([10, -10]), shape: [2] });
    expect(itemRows(t, [0, 1], 'mean', grid, 't')).toEqual({ data: Float32Array.from([1.5, -1.5, 11.5, -11.5]), shape: [2] });
    expect(itemRows(t, [1], 'spatial', grid, 't')).toEqual({ data: Float32Array.from([11, -11, 12, -12]), shape: [2, 1, 2] });
    expect(() => itemRows(t, [0], 'cls', { gh: 1, gw: 1, prefix: 1 }, 'knn')).toThrow(/knn: block taps must be \[B, 2, D\]/);
  });

  it('entryLayers: the entry’s layers sorted, else all; a layer beyond the model is one line', () => {
    expect(entryLayers(plantedModel(4, 8), undefined, 'x')).toEqual([1, 2, 3, 4]);
    expect(entryLayers(plantedModel(4, 8), [3, 1, 3], 'x')).toEqual([1, 3]);
    expect(() => entryLayers(plantedModel(4, 8), [5], 'knn')).toThrow('knn: layer 5 does not exist in model "planted" (layers 1..4).');
  });

  it('modelGeometry follows the preset: crop_pct 0.875 resizes to 256 for 224, crop_pct 1 covers the crop', () => {
    const m = { ...plantedModel(1, 8), imageSize: [224, 224] as [number, number], patch: 16 };
    expect(modelGeometry({ ...m, preset: 'imagenet-dino' })).toEqual({ crop: [224, 224], resize: 256, patch: 16 });
    expect(modelGeometry({ ...m, preset: 'clip' })).toEqual({ crop: [224, 224], patch: 16 });
  });
});
