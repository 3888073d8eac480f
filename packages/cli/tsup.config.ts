import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.shared';

// `bin` is the `vit` executable (dist/bin.js, ESM like the package; tsup keeps its shebang).
export default defineConfig(packageBuild({ index: 'src/index.ts', bin: 'src/bin.ts' }));
