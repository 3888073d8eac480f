import { expect, it } from 'vitest';

// Every public name of @vit/runtime, written out: an API change shows up in review.
// Helpers adding exports add their names here (sorted).
it('exports exactly the public API', async () => {
  expect(Object.keys(await import('./index.js')).sort()).toEqual([
    'AttributeType',
    'DataType',
    'TAP_NAMES',
    'ViTSession',
    'VitModelError',
    'attr',
    'buildViT',
    'canonicalTaps',
    'centerCrop',
    'convertCheckpoint',
    'decodeModel',
    'denseFeatures',
    'encodeModel',
    'inferViTConfig',
    'inspectModel',
    'instrumentModel',
    'int64Tensor',
    'loadCheckpoint',
    'model',
    'node',
    'normalizationPresets',
    'ortBackend',
    'preprocess',
    'preprocessBatch',
    'randomViTWeights',
    'resizeBicubic',
    'resolveViTConfig',
    'tensorProto',
    'tileOffsets',
    'valueInfo',
    'vitParameterCount',
    'vitPresets',
  ]);
});
