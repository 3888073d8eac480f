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

// Compile-time: a runtime Capture is a valid update input of the feature accumulators and of the
// propagation frames (checked by `tsc`, i.e. `npm run test:types`).
import type { Capture } from '@vit/runtime';
import type { FeatureInput, FrameInput } from './index.js';
const captureIsFeatureInput: Capture extends FeatureInput ? true : false = true;
const captureIsFrameInput: Capture extends FrameInput ? true : false = true;
it('a Capture is an update input (types)', () => {
  expect([captureIsFeatureInput, captureIsFrameInput]).toEqual([true, true]);
});
