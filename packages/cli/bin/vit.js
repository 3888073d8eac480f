#!/usr/bin/env node
// The `vit` command. This file is committed (not built) so that `npm ci` can link the bin before
// `npm run build` writes dist/; it runs the built CLI, or says how to build it.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('vit: @vit/cli is not built yet (dist/bin.js is missing); run `npm run build` in the repository root first.\n');
  process.exit(1);
}
await import(entry.href);
