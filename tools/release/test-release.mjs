#!/usr/bin/env node
// Release test: install the tarballs of `npm run release:dry-run` into an empty project, as a user
// would, and run every package README's example there, as written.
//
//   npm run test:release       (= release:dry-run, then this script)
//
// The example of a README is every ```js and ```sh block of its "## Example…" section: js blocks
// run as ES modules (top-level await allowed), sh blocks with bash, node_modules/.bin on PATH
// (`vit` is the installed CLI), all in the same project folder, in order.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const release = join(root, 'release');
const t0 = Date.now();
const tarballs = readdirSync(release).filter((f) => f.endsWith('.tgz')).map((f) => join(release, f));
if (!tarballs.length) throw new Error(`no tarballs in ${release}: run \`npm run release:dry-run\` first.`);

/** The ```js / ```sh blocks of the "## Example…" section of a README. */
export function exampleBlocks(markdown) {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => /^## Example/.test(l));
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  const section = lines.slice(start + 1, end < 0 ? undefined : end);
  const blocks = [];
  for (let i = 0; i < section.length; i++) {
    const m = section[i].match(/^```(js|javascript|sh|bash)\s*$/);
    if (!m) continue;
    const j = section.findIndex((l, k) => k > i && /^```\s*$/.test(l));
    blocks.push({ lang: m[1].startsWith('j') ? 'js' : 'sh', code: section.slice(i + 1, j).join('\n') + '\n' });
    i = j;
  }
  return blocks;
}

const project = mkdtempSync(join(tmpdir(), 'vit-release-test-'));
let failed = 0;
try {
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'vit-release-test', private: true, type: 'module' }, null, 2));
  // As the READMEs say: every tarball at once (they depend on each other at the new version);
  // ONNXRUNTIME_NODE_INSTALL=skip keeps onnxruntime-node from downloading its CUDA binaries.
  const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs], {
    cwd: project,
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
    encoding: 'utf8',
  });
  if (install.status !== 0) throw new Error(`npm install of the tarballs failed:\n${install.stderr}`);
  const tInstall = Date.now();
  const env = { ...process.env, PATH: `${join(project, 'node_modules', '.bin')}${delimiter}${process.env.PATH}` };
  const checks = [{ name: 'vit --help', lang: 'sh', code: 'vit --help\n' }];
  for (const pkg of readdirSync(join(root, 'packages'))) {
    const manifest = JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8'));
    if (manifest.private) continue;
    const blocks = exampleBlocks(readFileSync(join(project, 'node_modules', manifest.name, 'README.md'), 'utf8'));
    if (!blocks.length) {
      console.error(`FAIL ${manifest.name}: its README has no "## Example" section with a js or sh block.`);
      failed++;
    }
    blocks.forEach((b, i) => checks.push({ name: `${manifest.name} README example${blocks.length > 1 ? ` ${i + 1}` : ''}`, ...b }));
  }
  for (const [i, c] of checks.entries()) {
    const file = join(project, `example-${i}.${c.lang === 'js' ? 'mjs' : 'sh'}`);
    writeFileSync(file, c.code);
    const t = Date.now();
    const r = c.lang === 'js'
      ? spawnSync(process.execPath, [file], { cwd: project, env, encoding: 'utf8', timeout: 300_000 })
      : spawnSync('bash', ['-euo', 'pipefail', file], { cwd: project, env, encoding: 'utf8', timeout: 300_000 });
    const s = ((Date.now() - t) / 1000).toFixed(1);
    if (r.status === 0) console.log(`ok   ${c.name} (${s} s)`);
    else {
      failed++;
      console.error(`FAIL ${c.name} (exit ${r.status ?? r.signal}, ${s} s)\n${(r.stderr || r.stdout || '').trim().split('\n').slice(-15).join('\n')}`);
    }
  }
  console.log(
    `release test: ${tarballs.length} tarballs installed in ${((tInstall - t0) / 1000).toFixed(0)} s, ${checks.length - failed}/${checks.length} examples ran, ${((Date.now() - t0) / 1000).toFixed(0)} s in all.`,
  );
} finally {
  rmSync(project, { recursive: true, force: true });
}
if (failed) process.exit(1);
