import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.shared';

// The session's worker scripts are separate entries (dist/session/<name>.js|.cjs), found at run time
// next to dist/index.js|.cjs by src/session/workerUrl.ts.
export default defineConfig(
  packageBuild({
    index: 'src/index.ts',
    'session/inferenceWorker': 'src/session/inferenceWorker.ts',
    'session/decodeWorker': 'src/session/decodeWorker.ts',
  }),
);
