import { copyFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revisited } from './revisited.js';
import type { RevisitedDataset } from './revisited.js';
import { writeSyntheticRevisited } from './synthetic/writeSyntheticRevisited.js';
import type { SyntheticRevisited } from './synthetic/writeSyntheticRevisited.js';
import { countingReader, tempDir } from './internal/testing.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
let dir: string;
let cleanup: () => Promise<void>;
let p2: SyntheticRevisited;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  p2 = await writeSyntheticRevisited(join(dir, 'p2'), 'roxford5k', { protocol: 2 });
});
afterAll(() => cleanup());

function summary(ds: RevisitedDataset) {
  return ds.queries.map((q) => ({ name: q.name, bbx: q.bbx, easy: [...q.easy], hard: [...q.hard], junk: [...q.junk] }));
}

describe('revisited', () => {
  it('reads queries, boxes and easy/hard/junk from the gnd pickle', async () => {
    const ds = await revisited(p2.root, 'roxford5k');
    expect(ds.queries).toHaveLength(3);
    expect(ds.database).toHaveLength(10);
    // query q's positives are i ≡ q (mod 3): first easy, second hard, third junk, repeating
    expect(summary(ds)).toEqual([
      { name: 'all_souls_000001', bbx: [1.5, 2.25, 20.5, 15.75], easy: [0, 9], hard: [3], junk: [6] },
      { name: 'all_souls_000002', bbx: [2.5, 2.25, 21.5, 15.75], easy: [1], hard: [4], junk: [7] },
      { name: 'all_souls_000003', bbx: [3.5, 2.25, 22.5, 15.75], easy: [2], hard: [5], junk: [8] },
    ]);
    expect(ds.describe()).toMatchObject({ dataset: 'roxford5k', samples: 13, counts: { queries: 3, database: 10, easy: 4, hard: 3, junk: 3 }, skipped: [] });
    const roles: string[] = [];
    for await (const s of ds) roles.push(s.role);
    expect(roles).toEqual([...Array(3).fill('query'), ...Array(10).fill('database')]);
    expect(ds.samples[3]).toMatchObject({ id: 'all_souls_000001', index: 0, role: 'database' });
  });

  it('gives the same ground truth from protocol 4, JSON and a numpy pickle written by Python', async () => {
    const want = summary(await revisited(p2.root, 'roxford5k'));
    const p4 = await writeSyntheticRevisited(join(dir, 'p4'), 'roxford5k', { protocol: 4 });
    expect(summary(await revisited(p4.root, 'roxford5k'))).toEqual(want);
    const js = await writeSyntheticRevisited(join(dir, 'json'), 'roxford5k', { format: 'json' });
    expect(summary(await revisited(js.root, 'roxford5k'))).toEqual(want);
    const np = await writeSyntheticRevisited(join(dir, 'np'), 'roxford5k', { format: 'json' });
    await copyFile(fixture('gnd_roxford5k.pkl'), join(np.root, 'roxford5k', 'gnd_roxford5k.pkl'));
    expect(summary(await revisited(np.root, 'roxford5k', { groundTruth: 'pickle' }))).toEqual(want);
    expect(summary(await revisited(np.root, 'roxford5k', { groundTruth: 'json' }))).toEqual(want);
  });

  it('decodes no image until asked', async () => {
    const { reader, reads } = countingReader();
    const ds = await revisited(p2.root, 'roxford5k', { imageReader: reader });
    for await (const s of ds) expect(s.path).toMatch(/\.jpg$/);
    expect(reads).toEqual([]);
    expect((await ds.queries[1].loadImage()).shape).toEqual([18, 24, 3]);
    expect(reads).toEqual([join(p2.root, 'roxford5k', 'jpg', 'all_souls_000002.jpg')]);
  });

  it('refuses a pickle with a forbidden global, naming it and the file', async () => {
    const bad = await writeSyntheticRevisited(join(dir, 'evil'), 'rparis6k');
    const gnd = join(bad.root, 'rparis6k', 'gnd_rparis6k.pkl');
    await copyFile(fixture('forbidden_global.pkl'), gnd);
    await expect(revisited(bad.root, 'rparis6k')).rejects.toMatchObject({ code: 'VIT_PICKLE_FORBIDDEN', file: gnd });
    await expect(revisited(bad.root, 'rparis6k')).rejects.toThrow(/gnd_rparis6k\.pkl: readPickle refuses global (posix|os)\.system/);
  });

  it('reports missing images but keeps database indices aligned', async () => {
    const m = await writeSyntheticRevisited(join(dir, 'missing'), 'roxford5k');
    await rm(join(m.root, 'roxford5k', 'jpg', 'all_souls_000005.jpg'));
    const ds = await revisited(m.root, 'roxford5k');
    expect(ds.database).toHaveLength(10);
    expect(ds.database[4].name).toBe('all_souls_000005');
    expect(ds.describe().skipped).toMatchObject([{ reason: 'missing-image-file', count: 1 }]);
  });

  it('names malformed ground truth and missing folders', async () => {
    const j = await writeSyntheticRevisited(join(dir, 'badjson'), 'roxford5k', { format: 'json' });
    const file = join(j.root, 'roxford5k', 'gnd_roxford5k.json');
    await writeFile(file, JSON.stringify({ imlist: ['a'], qimlist: ['a'], gnd: [{ bbx: [0, 0, 1, 1], easy: [3] }] }));
    await expect(revisited(j.root, 'roxford5k')).rejects.toThrow(/gnd_roxford5k\.json: gnd\[0\]\.easy holds 3, outside the database \[0, 1\)/);
    await writeFile(file, JSON.stringify({ imlist: ['a'], qimlist: ['a'], gnd: [{ bbx: [0, 0, 1] }] }));
    await expect(revisited(j.root, 'roxford5k')).rejects.toThrow(/gnd\[0\]\.bbx must be \[x1, y1, x2, y2\]; got 3 numbers/);
    await writeFile(file, '[');
    await expect(revisited(j.root, 'roxford5k')).rejects.toMatchObject({ code: 'VIT_DATASET_JSON' });
    await expect(revisited(j.root, 'rparis6k')).rejects.toThrow(/rparis6k: revisited dataset 'rparis6k' folder not found; expected layout: <root>\/<name>\/jpg\/\*\.jpg/);
    await expect(revisited(j.root, 'holidays' as never)).rejects.toThrow(`\`name\` of revisited must be 'roxford5k' or 'rparis6k'. Got "holidays".`);
    await rm(file);
    await expect(revisited(j.root, 'roxford5k')).rejects.toThrow(/gnd_roxford5k\.json: revisited ground truth not found or unreadable/);
  });
});
