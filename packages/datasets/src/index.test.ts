import { describe, expect, it } from 'vitest';

describe('@vit/datasets public API', () => {
  it('exports exactly these names', async () => {
    expect(Object.keys(await import('./index.js')).sort()).toEqual([
      'IMAGENET50_CLASSES',
      'VitDatasetError',
      'coco',
      'davis',
      'decodeCompressedCounts',
      'decodeRLE',
      'encodeCompressedCounts',
      'imagenet',
      'imagenet50',
      'partImageNet',
      'polygonsToMask',
      'readPickle',
      'revisited',
      'segmentationToMask',
      'spair',
      'syntheticDavisMask',
      'syntheticSpairKeypoints',
      'writePickle',
      'writeSyntheticCoco',
      'writeSyntheticDavis',
      'writeSyntheticImageNet',
      'writeSyntheticPartImageNet',
      'writeSyntheticRevisited',
      'writeSyntheticSpair',
    ]);
  });
});
