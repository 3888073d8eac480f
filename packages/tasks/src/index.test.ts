import { expect, it } from 'vitest';

it('exports exactly the public API', async () => {
  expect(Object.keys(await import('./index.js')).sort()).toEqual([
    'KeypointAccumulator',
    'KnnIndex',
    'PropagationAccumulator',
    'RetrievalAccumulator',
    'averagePrecision',
    'boundaryF',
    'davisScores',
    'jaccard',
    'keypointsPerLayer',
    'knnClassify',
    'knnPerLayer',
    'matchKeypoints',
    'pck',
    'pckPerCategory',
    'propagateLabels',
    'propagationPerLayer',
    'retrievalMAP',
    'retrievalPerLayer',
  ]);
});
