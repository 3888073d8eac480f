import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

/**
 * Shared vitest config: tests run against sources via the `@vit/source` export condition (project-specific, so bundlers
 * in dev mode never load our .ts from node_modules). Vitest runs tests in Vite's server (SSR) environment, whose
 * conditions are `ssr.resolve.conditions`: without them, imports of other `@vit/*` packages would load their dist/.
 */
export default defineConfig({
  resolve: { conditions: ['@vit/source'] },
  ssr: { resolve: { conditions: ['@vit/source', ...defaultServerConditions] } },
  test: {
    setupFiles: [fileURLToPath(new URL('./vitest.setup.ts', import.meta.url))],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    poolOptions: { forks: { singleFork: false, maxForks: 2 } },
  },
});
