import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { tensor } from '@vit/io';
import { readResults } from './readResults.js';
import { writeResults } from './writeResults.js';

const tmp = mkdtempSync(join(tmpdir(), 'vit-write-results-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const input = (v: number) => ({ schemaVersion: 1 as const, models: [{ name: 'm', layers: 1, heads: 1, grid: [1, 1] as [number, number], features: { cka: tensor(new Float32Array([v]), [1, 1]) } }] });

it('leaves no results.json when rewriting a folder fails half-way (a folder with results.json is complete)', async () => {
  const dir = join(tmp, 'out');
  await writeResults(input(0.5), dir);
  expect(Array.from((await readResults(dir)).models[0].features!.cka!.data)).toEqual([0.5]);
  // block the arrays folder: the .npy write fails after the old results.json is gone
  rmSync(join(dir, 'arrays'), { recursive: true });
  writeFileSync(join(dir, 'arrays'), 'a file where a folder must be');
  await expect(writeResults(input(0.25), dir)).rejects.toThrow();
  expect(existsSync(join(dir, 'results.json'))).toBe(false);
  rmSync(join(dir, 'arrays'));
  mkdirSync(join(dir, 'arrays'));
  await writeResults(input(0.25), dir);
  expect(Array.from((await readResults(dir)).models[0].features!.cka!.data)).toEqual([0.25]);
});
