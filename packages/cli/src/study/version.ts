import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `@vit/cli`'s version (from its package.json above this file, in src/ or dist/). */
function cliVersion(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, d = dirname(d)) {
    const p = join(d, 'package.json');
    if (!existsSync(p)) continue;
    const j = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
    if (j.name === '@vit/cli' && j.version) return j.version;
  }
  return '0.0.0';
}

/** `@vit/cli`'s version: part of every pass fingerprint. */
export const CLI_VERSION = cliVersion();
