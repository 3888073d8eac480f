import type { Options } from 'tsup';

/** One build recipe for every package: ESM + CJS + .d.ts/.d.cts, sourcemaps, Node 20. */
export function packageBuild(entry: Record<string, string> | string[] = ['src/index.ts'], extra: Partial<Options> = {}): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    splitting: false,
    shims: true,
    ...extra,
  };
}
