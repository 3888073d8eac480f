import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The worker scripts the session starts. */
export type WorkerName = 'inferenceWorker' | 'decodeWorker';

const bundles = new Map<WorkerName, Promise<URL>>();

/**
 * Locate a worker script.
 *
 * - Built (ESM `dist/index.js` or CJS `dist/index.cjs`; tsup's shim gives CJS an `import.meta.url`):
 *   the worker is a separate tsup entry at `dist/session/<name>.js|.cjs`, the same format as the caller.
 * - From sources (vitest, the `@vit/source` condition): Node cannot run `.ts` in a worker, so the
 *   worker is bundled once with esbuild (a dev dependency of the monorepo) into
 *   `node_modules/.cache/vit-workers/<name>-<hash>.mjs` beside the package, `@vit/*` from sources and
 *   other packages left external so they resolve from the package's node_modules.
 */
export function workerUrl(name: WorkerName): Promise<URL> {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) {
    const ext = here.endsWith('.cjs') ? '.cjs' : '.js';
    return Promise.resolve(new URL(`./session/${name}${ext}`, here));
  }
  let p = bundles.get(name);
  if (!p) {
    p = bundleFromSource(name, fileURLToPath(new URL(`./${name}.ts`, here)));
    bundles.set(name, p);
  }
  return p;
}

async function bundleFromSource(name: WorkerName, entry: string): Promise<URL> {
  const pkgRoot = resolve(dirname(entry), '..', '..');
  const esbuildName = 'esbuild';
  const esbuild = (await import(esbuildName)) as {
    build(o: Record<string, unknown>): Promise<{ outputFiles: { text: string }[] }>;
  };
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@vit/source'],
    logLevel: 'silent',
    plugins: [
      {
        name: 'external-non-vit',
        setup(b: { onResolve(o: { filter: RegExp }, cb: (a: { path: string }) => unknown): void }) {
          b.onResolve({ filter: /^[^./]/ }, (a) => (a.path.startsWith('@vit/') ? undefined : { path: a.path, external: true }));
        },
      },
    ],
  });
  const text = result.outputFiles[0].text;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const dir = join(pkgRoot, 'node_modules', '.cache', 'vit-workers');
  const file = join(dir, `${name}-${hash}.mjs`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  }
  return pathToFileURL(file);
}
