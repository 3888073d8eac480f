import { expect, it } from 'vitest';

// Every public name of @vit/cli, written out: an API change shows up in review.
it('exports exactly the public API', async () => {
  expect(Object.keys(await import('./index.js')).sort()).toEqual([
    'createProgram',
    'inspectJson',
    'loadStudyConfig',
    'mergeStudy',
    'openDataset',
    'openModel',
    'parseStudyConfig',
    'registerBuild',
    'registerExtract',
    'registerInspect',
    'registerInspectCheckpoint',
    'registerReport',
    'registerStudy',
    'registerStudyInit',
    'registerStudySlurm',
    'runCli',
    'runStudy',
    'studyInitTemplate',
    'writeSlurmScript',
  ]);
});
