import { expect, it } from 'vitest';

// Every public name of @vit/cli, written out: an API change shows up in review.
it('exports exactly the public API', async () => {
  expect(Object.keys(await import('./index.js')).sort()).toEqual([
    'createProgram',
    'inspectJson',
    'loadStudyConfig',
    'openDataset',
    'openModel',
    'parseStudyConfig',
    'registerBuild',
    'registerExtract',
    'registerInspect',
    'registerInspectCheckpoint',
    'registerReport',
    'registerStudyInit',
    'registerStudySlurm',
    'runCli',
    'studyInitTemplate',
    'writeSlurmScript',
  ]);
});
