import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spair } from './spair.js';
import { writeSyntheticSpair } from './synthetic/writeSyntheticSpair.js';
import { syntheticSpairKeypoints } from './synthetic/syntheticSpairKeypoints.js';
import type { SyntheticSpair } from './synthetic/writeSyntheticSpair.js';
import { Prng } from '@vit/io';
import { sampleWithoutReplacement } from './internal/dataset.js';
import { countingReader, tempDir } from './internal/testing.js';

let dir: string;
let cleanup: () => Promise<void>;
let syn: SyntheticSpair;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  syn = await writeSyntheticSpair(join(dir, 'SPair-71k'));
});
afterAll(() => cleanup());

describe('spair', () => {
  it('draws pairsPerCategory distinct pairs per category, categories sorted', async () => {
    const ds = await spair(syn.root, { pairsPerCategory: 5, seed: 1 });
    expect(ds.size).toBe(15);
    expect(ds.samples.map((p) => p.category)).toEqual([...Array(5).fill('aeroplane'), ...Array(5).fill('cat'), ...Array(5).fill('dog')]);
    for (const cat of ['aeroplane', 'cat', 'dog']) {
      const ids = ds.samples.filter((p) => p.category === cat).map((p) => p.id);
      expect(new Set(ids).size).toBe(5);
      for (const id of ids) expect(syn.pairs[cat]).toContain(id);
    }
    expect(ds.describe()).toMatchObject({ dataset: 'spair', split: 'test', samples: 15, counts: { categories: 3, pairFiles: 36, 'pairs:aeroplane': 5, 'pairs:cat': 5, 'pairs:dog': 5 }, skipped: [] });
  });

  it('is deterministic for a seed and changes with it', async () => {
    const a = await spair(syn.root, { pairsPerCategory: 4, seed: 7 });
    const b = await spair(syn.root, { pairsPerCategory: 4, seed: 7 });
    const c = await spair(syn.root, { pairsPerCategory: 4, seed: 8 });
    expect(a.samples.map((p) => p.id)).toEqual(b.samples.map((p) => p.id));
    expect(a.samples.map((p) => p.id)).not.toEqual(c.samples.map((p) => p.id));
  });

  it('takes every pair when a category has fewer than asked (default 20 > 12)', async () => {
    const ds = await spair(syn.root);
    expect(ds.size).toBe(36);
    expect(ds.samples.filter((p) => p.category === 'dog').map((p) => p.id).sort()).toEqual(syn.pairs.dog);
  });

  it('reads keypoints, visibility and boxes', async () => {
    const ds = await spair(syn.root, { pairsPerCategory: Infinity });
    // dog images are 2008_000100..103 (indices 0..3); pick the pair 1 → 2
    const p = ds.samples.find((x) => x.id.endsWith('-2008_000101-2008_000102:dog'))!;
    const ks = syntheticSpairKeypoints(1);
    const kt = syntheticSpairKeypoints(2);
    const both = ks.map((_, j) => j).filter((j) => ks[j] && kt[j]);
    expect(p.kpsIds).toEqual(both);
    expect(p.source.keypoints.shape).toEqual([both.length, 2]);
    expect(Array.from(p.source.keypoints.data)).toEqual(both.flatMap((j) => ks[j]!));
    expect(Array.from(p.target.keypoints.data)).toEqual(both.flatMap((j) => kt[j]!));
    expect(Array.from(p.source.visible)).toEqual(ks.map((k) => (k ? 1 : 0)));
    expect(Array.from(p.target.visible)).toEqual(kt.map((k) => (k ? 1 : 0)));
    expect(p.source.bbox).toEqual([1, 2, 21, 16]);
    expect(p.target.bbox).toEqual([1, 2, 22, 16]);
    expect(p.flags).toEqual({ viewpoint_variation: 0, scale_variation: 1, truncation: 0, occlusion: 0, mirror: 0 });
    expect(p.source.imageName).toBe('2008_000101.jpg');
  });

  it('decodes no image until asked', async () => {
    const { reader, reads } = countingReader();
    const ds = await spair(syn.root, { imageReader: reader, pairsPerCategory: 2 });
    for await (const p of ds) expect(p.kpsIds.length).toBeGreaterThan(0);
    expect(reads).toEqual([]);
    const img = await ds.samples[0].target.loadImage();
    expect(img.shape).toEqual([20, 26, 3]);
    expect(reads).toEqual([ds.samples[0].target.path]);
  });

  it('skips pairs whose image is missing and reports them', async () => {
    const s2 = await writeSyntheticSpair(join(dir, 'S2'), { categories: ['cow'], imagesPerCategory: 3 });
    await rm(join(s2.root, 'JPEGImages', 'cow', '2008_000102.jpg'));
    const ds = await spair(s2.root, { pairsPerCategory: Infinity });
    expect(ds.size).toBe(2);
    expect(ds.describe().skipped).toMatchObject([{ reason: 'missing-image-file', count: 4 }]);
  });

  it('names malformed pair files and missing folders', async () => {
    const s3 = await writeSyntheticSpair(join(dir, 'S3'), { categories: ['bus'], imagesPerCategory: 2 });
    const f = join(s3.root, 'PairAnnotation', 'test', `${s3.pairs.bus[0]}.json`);
    await writeFile(f, '{"src_imname": 3');
    await expect(spair(s3.root)).rejects.toMatchObject({ code: 'VIT_DATASET_JSON', file: f });
    await writeFile(f, JSON.stringify({ src_imname: '2008_000100.jpg', trg_imname: '2008_000101.jpg', kps_ids: [0], src_kps: [], trg_kps: [[1, 2]], src_bndbox: [0, 0, 1, 1], trg_bndbox: [0, 0, 1, 1] }));
    await expect(spair(s3.root)).rejects.toThrow(/"src_kps" of an SPair pair file must be 1 \[x, y\] points/);
    await expect(spair(s3.root, { split: 'trn' })).rejects.toThrow(/PairAnnotation\/trn: SPair-71k pair annotations 'trn' folder not found; expected layout/);
    await expect(spair(s3.root, { pairsPerCategory: 0 })).rejects.toThrow('`pairsPerCategory` of spair must be a positive integer or Infinity. Got 0.');
  });
});

describe('sampleWithoutReplacement', () => {
  it('draws distinct items, uniformly', () => {
    const rand = new Prng(123);
    const items = [0, 1, 2, 3, 4];
    const hits = new Array(5).fill(0);
    const trials = 20000;
    let repeats = 0;
    for (let t = 0; t < trials; t++) {
      const d = sampleWithoutReplacement(items, 2, rand);
      if (d[0] === d[1]) repeats++;
      for (const x of d) hits[x]++;
    }
    expect(repeats).toBe(0);
    // each item is in a 2-of-5 draw with probability 0.4; 4 standard deviations ≈ 0.014
    for (const h of hits) expect(h / trials).toBeDeepCloseTo(0.4, 0.015);
  });
});
