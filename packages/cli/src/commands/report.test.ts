import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeResults } from '@vit/report';
import { plantedInput } from '../../../report/test/planted.js';
import { runCli } from '../runCli.js';

const tmp = mkdtempSync(join(tmpdir(), 'vit-cli-report-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function vit(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  return { code, out, err };
}

describe('vit report', () => {
  it('re-renders index.html from results.json + arrays; --json prints one object', async () => {
    const study = join(tmp, 'study');
    await writeResults(plantedInput(), study);
    const r = await vit('report', study, '--json', '--viewer-images', '1');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.index).toBe(join(study, 'report', 'index.html'));
    expect(existsSync(j.index)).toBe(true);
    expect(j.files).toContain('cls-fs.png');
    expect(j.findings.map((f: { status: string }) => f.status)).toEqual(Array(7).fill('holds'));
    const human = await vit('report', study, '--out', join(tmp, 'elsewhere'), '--title', 'Mine');
    expect(human.code).toBe(0);
    expect(human.out).toMatch(/^wrote .*elsewhere\/index.html \(\d+ files, [\d.]+ MB\)\nfindings \(paper Table 3\):\n {2}holds/);
    expect(readFileSync(join(tmp, 'elsewhere', 'index.html'), 'utf8')).toContain('<title>Mine</title>');
  });

  it('fails with one line naming the file, without library function names', async () => {
    const missing = await vit('report', join(tmp, 'nothing-here'));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^vit report: .*nothing-here\/results.json: not found; pass the folder a study wrote \(it holds results.json\)\n$/);
    const bad = join(tmp, 'bad');
    await writeResults({ schemaVersion: 1, models: [] }, bad);
    const empty = await vit('report', bad);
    expect(empty.code).toBe(1);
    expect(empty.err.split('\n')).toHaveLength(2);
    expect(empty.err).toContain('bad/results.json: ');
    expect(empty.err).not.toMatch(/renderReport|readResults/);
    writeFileSync(join(bad, 'results.json'), '{"schemaVersion": 2, "models": []}');
    expect((await vit('report', bad)).err).toMatch(/is not a study's results \(expected schemaVersion 1/);
    expect((await vit('report', bad, '--viewer-images', 'x')).err).toBe('vit report: --viewer-images must be a whole number ≥ 0. Got "x".\n');
  });
});
