import { expect, it } from 'vitest';

it('exports exactly the public API', async () => {
  expect(Object.keys(await import('./index.js')).sort()).toEqual([
    'ClusteringAccumulator',
    'FeatureCollector',
    'MinibatchCKA',
    'ari',
    'cka',
    'clusterMetrics',
    'gaussianLike',
    'kmeans',
    'maskFeatures',
    'maskPool',
    'minibatchCKA',
    'nmi',
    'purity',
    'residualCKA',
  ]);
});
