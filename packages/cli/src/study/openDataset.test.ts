import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { IMAGENET50_CLASSES, writeSyntheticImageNet, writeSyntheticRevisited, writeSyntheticSpair, type CocoDataset, type CocoSample, type Dataset, type DavisVideo, type RevisitedDataset, type SpairPair } from '@vit/datasets';
import type { DatasetConfig } from './config.js';
import type { FolderLabels } from './datasets/folder.js';
import { openDataset } from './openDataset.js';
import { oneLineRejection } from './internal/testing.js';

const BENCH = fileURLToPath(new URL('../../../../examples/zoo/bench/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'vit-study-data-'));

const ds = (c: Partial<DatasetConfig> & Pick<DatasetConfig, 'reader' | 'root'>): DatasetConfig => ({ name: 'd', ...c });

describe('openDataset: folder', () => {
  /** A three-image copy of the zoo sample with its own labels.json. */
  function miniSample(): string {
    const root = join(dir, 'mini');
    mkdirSync(join(root, 'images'), { recursive: true });
    const files = ['0002.png', '0000.png', '0001.png'];
    for (const f of files) copyFileSync(join(BENCH, 'sample/images', f), join(root, 'images', f));
    const labels: FolderLabels = { files, labels: [1, 2, 0], classes: ['a', 'b', 'c'], knnProtocol: { train: [0, 2], test: [2, 3], k: 1, temperature: 0.07 }, note: 'kept' };
    writeFileSync(join(root, 'labels.json'), JSON.stringify(labels));
    return root;
  }

  it('reads labels.json: files in its order from images/, labels, classes, the parsed file as source', async () => {
    const root = miniSample();
    const d = await openDataset({ name: 'mini', reader: 'folder', root });
    expect(d.name).toBe('mini');
    expect(d.reader).toBe('folder');
    expect(d.items).toEqual([
      { index: 0, id: '0002.png', path: join(root, 'images/0002.png'), label: 1 },
      { index: 1, id: '0000.png', path: join(root, 'images/0000.png'), label: 2 },
      { index: 2, id: '0001.png', path: join(root, 'images/0001.png'), label: 0 },
    ]);
    expect(d.classes).toEqual(['a', 'b', 'c']);
    const src = d.source as FolderLabels;
    expect(src.knnProtocol?.train).toEqual([0, 2]);
    expect(src.note).toBe('kept');
    expect(d.describe()).toMatchObject({ dataset: 'folder', root, samples: 3, counts: { images: 3, classes: 3 }, skipped: [] });
  });

  it('opens the shipped zoo sample with a limit', async () => {
    const d = await openDataset({ name: 'sample', reader: 'folder', root: join(BENCH, 'sample'), limit: 5 });
    const labels = JSON.parse(readFileSync(join(BENCH, 'sample/labels.json'), 'utf8')) as FolderLabels;
    expect(d.items.map((i) => i.id)).toEqual(labels.files.slice(0, 5));
    expect(d.items.map((i) => i.label)).toEqual(labels.labels!.slice(0, 5));
    expect(d.items[4].path).toBe(join(BENCH, 'sample/images', labels.files[4]));
    expect(d.classes).toEqual(labels.classes);
    expect(d.describe().samples).toBe(5);
    expect(d.describe().counts.readerSamples).toBe(labels.files.length);
  });

  it('lists a plain folder recursively, sorted, unlabelled', async () => {
    const root = join(dir, 'plain');
    mkdirSync(join(root, 'b'), { recursive: true });
    mkdirSync(join(root, 'a'), { recursive: true });
    copyFileSync(join(BENCH, 'sample/images/0000.png'), join(root, 'b/x.png'));
    copyFileSync(join(BENCH, 'sample/images/0001.png'), join(root, 'a/y.png'));
    copyFileSync(join(BENCH, 'sample/images/0002.png'), join(root, 'z.png'));
    writeFileSync(join(root, 'notes.txt'), 'not an image');
    const d = await openDataset({ name: 'plain', reader: 'folder', root });
    expect(d.items).toEqual([
      { index: 0, id: 'a/y.png', path: join(root, 'a/y.png') },
      { index: 1, id: 'b/x.png', path: join(root, 'b/x.png') },
      { index: 2, id: 'z.png', path: join(root, 'z.png') },
    ]);
    expect(d.classes).toBeUndefined();
    expect(d.source).toBeUndefined();
    expect((await openDataset({ name: 'plain', reader: 'folder', root, limit: 2 })).items.length).toBe(2);
  });

  it('names the dataset when its root is missing', async () => {
    const e = await oneLineRejection(openDataset({ name: 'gone', reader: 'folder', root: join(dir, 'gone') }));
    expect(e.code).toBe('VIT_NOT_FOUND');
    expect(e.message).toBe(`dataset "gone" (folder reader): ${join(dir, 'gone')}: folder not found; check datasets[].root in the config.`);
    expect(e.file).toBe(join(dir, 'gone'));
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'readme.txt'), 'no images here');
    const none = await oneLineRejection(openDataset({ name: 'empty', reader: 'folder', root: empty }));
    expect(none.code).toBe('VIT_NO_IMAGES');
    expect(none.message).toBe(`dataset "empty" (folder reader): ${empty}: dataset directory has no .jpg/.jpeg/.png files.`);
    const file = await oneLineRejection(openDataset({ name: 'file', reader: 'folder', root: join(empty, 'readme.txt') }));
    expect(file.code).toBe('VIT_IO_READ');
  });

  it('names a file labels.json lists that is missing', async () => {
    const root = miniSample();
    rmSync(join(root, 'images/0001.png'));
    const e = await oneLineRejection(openDataset({ name: 'mini', reader: 'folder', root }));
    expect(e.code).toBe('VIT_DATASET_LAYOUT');
    expect(e.message).toMatch(/^dataset "mini" \(folder reader\): .*labels\.json: 1 of the 3 images listed in labels\.json is missing \(first: .*images\/0001\.png\); expected /);
  });

  it('refuses a malformed labels.json', async () => {
    const root = miniSample();
    writeFileSync(join(root, 'labels.json'), JSON.stringify({ files: ['0000.png'], labels: [0, 1] }));
    const e = await oneLineRejection(openDataset({ name: 'mini', reader: 'folder', root }));
    expect(e.code).toBe('VIT_DATASET_FORMAT');
    expect(e.message).toContain('"labels" must be a list with one class index per file (1)');
    writeFileSync(join(root, 'labels.json'), '{ files: ');
    expect((await oneLineRejection(openDataset({ name: 'mini', reader: 'folder', root }))).code).toBe('VIT_DATASET_JSON');
  });
});

describe('openDataset: the @vit/datasets readers', () => {
  it('imagenet: items by class then file, labelled, wnids as classes', async () => {
    const { root, files } = await writeSyntheticImageNet(join(dir, 'in'), { imagesPerClass: 2, splits: ['val'], size: [8, 8] });
    const d = await openDataset(ds({ reader: 'imagenet', root }));
    expect(d.items.map((i) => i.id)).toEqual(files.map((f) => f.replace(/^val\//, '')));
    expect(d.items.map((i) => i.label)).toEqual([0, 0, 1, 1, 2, 2]);
    expect(d.classes).toEqual(['n01440764', 'n01443537', 'n01484850']);
    expect(d.split).toBe('val');
    expect((d.source as Dataset<unknown>).samples.length).toBe(6);
    expect((await openDataset(ds({ reader: 'imagenet', root, limit: 3 }))).describe().samples).toBe(3);
  });

  it('imagenet50: perClass from options, class names', async () => {
    const wnids = IMAGENET50_CLASSES.map((c) => c.wnid);
    const { root } = await writeSyntheticImageNet(join(dir, 'in50'), { classes: wnids, imagesPerClass: 2, splits: ['train'], size: [8, 8], variants: 2 });
    const d = await openDataset(ds({ reader: 'imagenet50', root, options: { perClass: 1 } }));
    expect(d.items.length).toBe(50);
    expect(d.items.map((i) => i.label)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const sorted = IMAGENET50_CLASSES.slice().sort((a, b) => a.wnid.localeCompare(b.wnid));
    expect(d.classes).toEqual(sorted.map((c) => c.name));
    expect(d.items[7].id.startsWith(`${sorted[7].wnid}/`)).toBe(true);
  });

  it('coco: the zoo benchmark, the reader keeps the limit', async () => {
    const d = await openDataset(ds({ reader: 'coco', root: join(BENCH, 'coco'), limit: 7 }));
    const src = d.source as CocoDataset<CocoSample>;
    expect(d.items.length).toBe(7);
    expect(src.samples.length).toBe(7);
    expect(d.items.map((i) => i.id)).toEqual(src.samples.map((s) => String(s.id)));
    expect(d.items.every((it, i) => it.index === i && it.path === src.samples[i].path)).toBe(true);
    expect(src.categories.length).toBe(10);
    expect(d.describe().samples).toBe(7);
  });

  it('partImageNet: labelled by super-category', async () => {
    const d = await openDataset(ds({ reader: 'partImageNet', root: join(BENCH, 'partimagenet'), split: 'val' }));
    const src = d.source as CocoDataset<CocoSample & { superclass: string }>;
    expect(d.items.length).toBe(src.samples.length);
    expect(d.items.length).toBeGreaterThan(0);
    for (const it of d.items) expect(d.classes![it.label!]).toBe(src.samples[it.index].superclass);
  });

  it('davis: every frame of every video, in order', async () => {
    const d = await openDataset(ds({ reader: 'davis', root: join(BENCH, 'davis') }));
    const videos = readFileSync(join(BENCH, 'davis/ImageSets/2017/val.txt'), 'utf8').split('\n').filter(Boolean);
    const frames = videos.flatMap((v) => readdirSync(join(BENCH, 'davis/JPEGImages/480p', v)).sort().map((f) => `${v}/${f.replace(/\.jpg$/, '')}`));
    expect(d.items.map((i) => i.id)).toEqual(frames);
    const src = d.source as Dataset<DavisVideo>;
    // item index → (video, frame) by running frame count
    let start = 0;
    for (const v of src.samples) {
      expect(d.items[start].path).toBe(v.frames[0].path);
      start += v.frames.length;
    }
    expect(start).toBe(d.items.length);
    expect(d.describe().samples).toBe(frames.length);
  });

  it('spair: the unique images of the pairs, source then target', async () => {
    const { root } = await writeSyntheticSpair(join(dir, 'spair'), { categories: ['cat', 'dog'], imagesPerCategory: 3 });
    const d = await openDataset(ds({ reader: 'spair', root, options: { pairsPerCategory: 4, seed: 1 } }));
    const src = d.source as Dataset<SpairPair>;
    expect(src.samples.length).toBe(8);
    const paths = d.items.map((i) => i.path);
    expect(new Set(paths).size).toBe(paths.length);
    for (const p of src.samples) {
      expect(paths).toContain(p.source.path);
      expect(paths).toContain(p.target.path);
    }
    expect(d.items[0].path).toBe(src.samples[0].source.path);
    expect(d.items[1].path).toBe(src.samples[0].target.path);
    expect(d.classes).toEqual(['cat', 'dog']);
    expect(d.items.length).toBeLessThanOrEqual(6);
    // the zoo benchmark too: 50 pairs of 100 distinct images
    const zoo = await openDataset(ds({ reader: 'spair', root: join(BENCH, 'spair'), options: { pairsPerCategory: 1000 } }));
    expect((zoo.source as Dataset<SpairPair>).samples.length).toBe(50);
    expect(zoo.items.length).toBe(100);
  });

  it('revisited: queries then database', async () => {
    const { root } = await writeSyntheticRevisited(join(dir, 'rev'), 'rparis6k', { database: 6, queries: 2 });
    const d = await openDataset(ds({ reader: 'revisited', root, split: 'rparis6k' }));
    const src = d.source as RevisitedDataset;
    expect(d.items.map((i) => i.id)).toEqual([...src.queries.map((q) => q.id), ...src.database.map((x) => x.id)]);
    expect(d.items[0].id).toBe('q:paris_defense_000001');
    expect(d.items.length).toBe(8);
    expect(d.split).toBe('rparis6k');
  });

  it('names the dataset and keeps the reader code for a missing root or layout', async () => {
    for (const reader of ['imagenet', 'coco', 'davis', 'spair', 'revisited', 'partImageNet', 'imagenet50'] as const) {
      const e = await oneLineRejection(openDataset({ name: 'nope', reader, root: join(dir, 'missing') }));
      expect(e.code).toBe('VIT_DATASET_LAYOUT');
      expect(e.message.startsWith(`dataset "nope" (${reader} reader): ${join(dir, 'missing')}`)).toBe(true);
    }
    const e = await oneLineRejection(openDataset(ds({ reader: 'coco', root: join(BENCH, 'coco'), split: 'train2017' })));
    expect(e.code).toBe('VIT_DATASET_LAYOUT');
    expect(e.message).toContain("COCO image folder 'train2017' folder not found");
  });
});
