#!/usr/bin/env node
// Release dry run: `changeset version` on a throw-away copy of the repository (the repository itself
// is never changed), the packages built, and every public package packed into one folder.
//
//   npm run release:dry-run [-- --out <dir>]      (default: release/ at the repository root, emptied first)
//
// The tarballs carry the versions and changelogs the next release would publish; install them
// together (`npm install <dir>/*.tgz`) since they depend on each other at those versions.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outArg = process.argv.indexOf('--out');
const out = resolve(outArg > 0 ? process.argv[outArg + 1] : join(root, 'release'));
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
const t0 = Date.now();

// 1. Build (dist/ is a build output: the same step as `npm run build`, cached by nx when fresh).
run('npx', ['nx', 'run-many', '-t', 'build', '--output-style=static'], root);

// 2. A throw-away copy: tracked and untracked-but-not-ignored files, plus the built dist/ folders.
const work = mkdtempSync(join(tmpdir(), 'vit-release-'));
try {
  const copy = join(work, 'repo');
  const files = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], root).split('\0').filter(Boolean);
  for (const f of files) {
    if (!existsSync(join(root, f))) continue; // deleted but not yet committed
    mkdirSync(dirname(join(copy, f)), { recursive: true });
    cpSync(join(root, f), join(copy, f), { verbatimSymlinks: true });
  }
  const packages = readdirSync(join(copy, 'packages')).map((name) => {
    const dir = join(copy, 'packages', name);
    return { name, dir, pkg: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) };
  });
  for (const p of packages) {
    if (existsSync(join(root, 'packages', p.name, 'dist'))) cpSync(join(root, 'packages', p.name, 'dist'), join(p.dir, 'dist'), { recursive: true });
  }
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules')); // changesets runs from here; nothing is installed

  // 3. The version bump and changelogs the next release would make (a copy, so nothing to undo).
  execFileSync(process.execPath, [join(root, 'node_modules', '@changesets', 'cli', 'bin.js'), 'version'], { cwd: copy, env, stdio: ['ignore', 'ignore', 'inherit'] });

  // 4. One tarball per public package, into one folder.
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const packed = [];
  for (const p of packages) {
    const pkg = JSON.parse(readFileSync(join(p.dir, 'package.json'), 'utf8'));
    if (pkg.private) continue;
    const [info] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', out], p.dir));
    const leaked = info.files.map((f) => f.path).filter((f) => /(\.test\.ts|testFixtures\.ts|internal\/testing\.ts)$/.test(f));
    if (leaked.length) throw new Error(`${pkg.name}: test files in the tarball: ${leaked.join(', ')}; exclude them in "files" of its package.json.`);
    packed.push({ name: pkg.name, version: pkg.version, file: info.filename, files: info.entryCount, kB: Math.round(info.size / 1024) });
  }
  for (const p of packed) console.log(`${p.name}@${p.version}  ${p.file}  (${p.files} files, ${p.kB} kB)`);
  console.log(`release dry run: ${packed.length} tarballs in ${out} (${((Date.now() - t0) / 1000).toFixed(0)} s); the repository is unchanged.`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
