import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

/** Shared vitest config: tests run against sources via the `development` export condition. */
export default defineConfig({
  resolve: { conditions: ['development'] },
  test: {
    setupFiles: [fileURLToPath(new URL('./vitest.setup.ts', import.meta.url))],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    poolOptions: { forks: { singleFork: false, maxForks: 2 } },
  },
});
