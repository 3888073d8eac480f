import { expect, it } from 'vitest';

it('exports exactly the public API', async () => {
  expect(Object.keys(await import('./index.js')).sort()).toEqual([
    'AAAMAccumulator',
    'AttentionDistanceAccumulator',
    'AttentionSuiteAccumulator',
    'AverageCLSAccumulator',
    'SaliencyIoUAccumulator',
    'alignedAttention',
    'attentionDistance',
    'attentionOffset',
    'classifyHeads',
    'clsAttention',
    'clsPrefixMass',
    'describeHeads',
    'maskIoU',
    'saliencyIoU',
    'saliencyMask',
    'sparsePatternScore',
  ]);
});
