import { expect, it } from 'vitest';

// Every public name of @vit/report, written out: an API change shows up in review.
it('exports exactly the public API', async () => {
  expect(Object.keys(await import('./index.js')).sort()).toEqual([
    'aaamGrid',
    'attentionDistanceChart',
    'bestLayerTable',
    'checkFindings',
    'ckaHeatmap',
    'clsAttentionGrid',
    'clusteringChart',
    'headTaxonomyTable',
    'localGlobalOrderFinding',
    'localTaskLayerFinding',
    'noSingleBestFinding',
    'offsetLocalFinding',
    'pcaRgbFigure',
    'readResults',
    'reconstructionClsFinding',
    'renderReport',
    'residualCkaChart',
    'saliencyChart',
    'saliencyEarlyFinding',
    'sparsePatternsFinding',
    'taskChart',
    'writeResults',
  ]);
});
