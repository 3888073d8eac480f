import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tensor } from '@vit/io';
import type { Tensor } from '@vit/io';
import { ClusteringAccumulator, maskFeatures } from '@vit/features';
import { coco, partImageNet, segmentationToMask } from '@vit/datasets';
import type { CocoDataset, CocoSample } from '@vit/datasets';
import { preprocessPreset, transformMask } from '@vit/runtime';
import { clusteringAnalysis, clusteringConfig } from './clustering.js';
import { capturePass, openDataset, passContext, runStates, studyOf, tinyModel, zooBench } from './testFixtures.js';
import type { Batch } from './testFixtures.js';
import type { OpenDataset, OpenModel, StudyItem } from '../types.js';

const work = mkdtempSync(join(tmpdir(), 'vit-study-clustering-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let model: OpenModel;
const sampleRoot = zooBench('sample');
const labelsJson = JSON.parse(readFileSync(join(sampleRoot, 'labels.json'), 'utf8')) as { classes: string[]; files: string[]; labels: number[] };
const sampleItems: StudyItem[] = labelsJson.files.slice(0, 32).map((f, i) => ({ index: i, id: f, path: join(sampleRoot, 'images', f), label: labelsJson.labels[i] }));
let sample: OpenDataset;
let sampleBatches: Batch[];

beforeAll(async () => {
  model = await tinyModel(join(work, 'model'));
  sample = openDataset('sample', 'folder', sampleRoot, sampleItems, labelsJson, labelsJson.classes);
  sampleBatches = await capturePass(model, sampleItems, 8);
}, 60_000);

type Scores = { purity: number[]; nmi: number[]; ari: number[]; k: number };
const scores = (r: { purity: Tensor; nmi?: Tensor; ari?: Tensor; k?: number }): Scores => ({ purity: Array.from(r.purity.data), nmi: Array.from(r.nmi!.data), ari: Array.from(r.ari!.data), k: r.k! });

async function run(entry: Record<string, unknown>, dataset: OpenDataset, batches: Batch[], dir: string, how: Parameters<typeof runStates>[4] = { kind: 'whole' }): Promise<Scores & { seen: number }> {
  const { study, config } = studyOf(entry, [{ name: dataset.name, reader: dataset.reader, root: dataset.root }]);
  const { state, ctx } = await runStates(clusteringAnalysis, (s) => passContext(model, dataset, study, config, s), batches, join(work, dir), how);
  const frag = await clusteringAnalysis.finishModel(state, ctx);
  const kind = (config as { features: 'cls' | 'spatial' | 'object' | 'part' }).features;
  return { ...scores(frag.features!.clustering![kind]!), seen: (state as unknown as { acc: ClusteringAccumulator }).acc.seen };
}

describe('clustering analysis', () => {
  it('schema: features cls by default, nInit 10, k ≥ 1', () => {
    expect(clusteringConfig.parse({ type: 'clustering', dataset: 'd' })).toEqual({ type: 'clustering', dataset: 'd', features: 'cls', nInit: 10 });
    expect(clusteringConfig.safeParse({ type: 'clustering', dataset: 'd', features: 'mask' }).success).toBe(false);
    expect(clusteringConfig.safeParse({ type: 'clustering', dataset: 'd', k: 0 }).success).toBe(false);
  });

  it('cls and spatial (mean of spatial tokens) equal ClusteringAccumulator fed directly (exact)', async () => {
    for (const [features, tokens] of [['cls', 'cls'], ['spatial', 'mean']] as const) {
      const mine = await run({ type: 'clustering', dataset: 'sample', features, nInit: 3 }, sample, sampleBatches, `a-${features}`);
      const acc = new ClusteringAccumulator({ tokens, nInit: 3, seed: 0 });
      for (const b of sampleBatches) acc.update(b.capture);
      const r = await acc.result();
      expect(mine).toEqual({ ...scores(r), seen: 32 });
      expect(mine.k).toBe(new Set(sampleItems.map((it) => it.label)).size);
      expect(mine.purity.every((p) => p > 0 && p <= 1)).toBe(true);
    }
  });

  it('halves merged and a resumed run equal one run; `images` limits the rows', async () => {
    const entry = { type: 'clustering', dataset: 'sample', features: 'cls', nInit: 2, k: 4, images: 20 };
    const ref = await run(entry, sample, sampleBatches, 'b-whole');
    expect(ref.seen).toBe(20);
    expect(ref.k).toBe(4);
    expect(await run(entry, sample, sampleBatches, 'b-shards', { kind: 'shards', cut: 2 })).toEqual(ref);
    expect(await run(entry, sample, sampleBatches, 'b-resume', { kind: 'resume', stop: 1 })).toEqual(ref);
  });

  it('object level (COCO instance masks through the preset geometry) equals maskFeatures + ClusteringAccumulator', async () => {
    const root = zooBench('coco');
    const ds = (await coco(root, { limit: 12 })) as CocoDataset<CocoSample>;
    const items: StudyItem[] = ds.samples.map((s, i) => ({ index: i, id: String(s.id), path: s.path }));
    const dataset = openDataset('coco', 'coco', root, items, ds);
    const batches = await capturePass(model, items, 4);
    const mine = await run({ type: 'clustering', dataset: 'coco', features: 'object', nInit: 2 }, dataset, batches, 'c');
    // directly: decode each non-crowd annotation, put it through the session's geometry, pool the tokens
    const geom = { ...preprocessPreset('imagenet', { crop: 32 }), patch: 8 };
    const perLayer: number[][] = [[], []];
    const labels: number[] = [];
    for (const b of batches) {
      const T = b.capture.taps.block![0].shape[1];
      b.items.forEach((it, r) => {
        const s = ds.samples[it.index];
        const masks = s.annotations.filter((a) => !a.iscrowd).map((a) => ({ mask: transformMask(segmentationToMask(a.segmentation, [s.height, s.width]), geom).mask, label: a.categoryId }));
        const dense = tensor(new Float32Array(2 * 16 * 16), [2, 4, 4, 16]);
        b.capture.taps.block!.forEach((t, l) => dense.data.set(t.data.subarray((r * T + 1) * 16, (r + 1) * T * 16), l * 256));
        const mf = maskFeatures(dense, masks);
        mf.features.forEach((f, l) => perLayer[l].push(...f.data));
        labels.push(...(mf.labels as number[]));
      });
    }
    const acc = new ClusteringAccumulator({ tokens: 'cls', nInit: 2, seed: 0 });
    acc.update({ taps: { block: perLayer.map((d) => tensor(Float32Array.from(d), [labels.length, 16])) }, meta: { labels } });
    const r = await acc.result();
    expect({ ...mine, seen: 0 }).toEqual({ ...scores(r), seen: 0 });
    expect(r.rows).toBeGreaterThan(items.length); // several objects per image
  });

  it('part level on PartImageNet; a wrong reader is one line', async () => {
    const root = zooBench('partimagenet');
    const ds = await partImageNet(root, { split: 'val', perSuperclass: 2 });
    const items: StudyItem[] = ds.samples.map((s, i) => ({ index: i, id: String(s.id), path: s.path }));
    const dataset = openDataset('parts', 'partImageNet', root, items, ds);
    const batches = await capturePass(model, items, 4);
    const ref = await run({ type: 'clustering', dataset: 'parts', features: 'part', nInit: 2 }, dataset, batches, 'd');
    expect(ref.purity).toHaveLength(2);
    expect(ref.k).toBeGreaterThan(1);
    expect(await run({ type: 'clustering', dataset: 'parts', features: 'part', nInit: 2 }, dataset, batches, 'd-shards', { kind: 'shards', cut: 1 })).toEqual(ref);
    const { study, config } = studyOf({ type: 'clustering', dataset: 'sample', features: 'part' }, [{ name: 'sample', reader: 'folder', root: sampleRoot }]);
    const ctx = await passContext(model, sample, study, config, join(work, 'e'));
    expect(() => clusteringAnalysis.start(ctx)).toThrow(/needs a partImageNet dataset; "sample" is read by folder/);
  });
});
