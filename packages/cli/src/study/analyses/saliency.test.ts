import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLabelPng, referenceBackend, tensor, type Tensor } from '@vit/io';
import { SaliencyIoUAccumulator } from '@vit/attention';
import { writeSyntheticCoco, writeSyntheticPartImageNet, type CocoSample, type PartImageNetSample } from '@vit/datasets';
import { transformMask, type MaskData, type ViTSession } from '@vit/runtime';
import type { OpenDataset, OpenModel } from '../types.js';
import { saliencyAnalysis, saliencyConfig } from './saliency.js';
import { capturePass, cocoLike, maxRelDiff, openSession, passContext, roundTrip, runState, tinyModel, values, zooSample, type Batch } from './internal/testing.js';

const backend = referenceBackend;
const work = mkdtempSync(join(tmpdir(), 'vit-study-saliency-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// The tiny model's transform ('imagenet' preset at 32): short side → 32, centre crop 32×32, patch 8.
const GEOMETRY = { resize: 32, crop: 32, patch: 8 };

let model: OpenModel;
let sample: OpenDataset;
let sampleBatches: Batch[];
let session: ViTSession;
const config = saliencyConfig.parse({ type: 'saliency', dataset: 'sample' });

beforeAll(async () => {
  model = await tinyModel(work, 'tiny', { seed: 5 });
  sample = await zooSample(16);
  session = await openSession(model, ['attention'], 8);
  sampleBatches = await capturePass(session, sample);
});
afterAll(() => session?.close());

/** SaliencyIoUAccumulator fed directly, with each image's ground truth from `gt(b, item)`. */
async function direct(batches: Batch[], gt: (path: string) => Promise<Tensor<MaskData>>, layers?: number[]) {
  const acc = new SaliencyIoUAccumulator({ source: 'cls' });
  for (const { capture, items } of batches) {
    const [gh, gw] = [capture.grid.gh, capture.grid.gw];
    const m = new Uint8Array(items.length * gh * gw);
    for (let b = 0; b < items.length; b++) m.set(transformMask(await gt(items[b].path), GEOMETRY).tokens.data, b * gh * gw);
    const attention = layers ? layers.map((l) => capture.taps.attention![l - 1]) : capture.taps.attention!;
    acc.update({ attention, grid: capture.grid, masks: tensor(m, [items.length, gh, gw]) });
  }
  return acc.result();
}

describe('saliency analysis', () => {
  it('scores a folder dataset against its masks/ like SaliencyIoUAccumulator fed directly (exact)', async () => {
    const ctx = passContext(model, sample, config, backend);
    expect(saliencyAnalysis.needs(model, config)).toEqual({ taps: ['attention'] });
    const s = (await saliencyAnalysis.finishModel(await runState(saliencyAnalysis, ctx, sampleBatches), ctx)).attention!.saliency!;
    const r = await direct(sampleBatches, (p) => readLabelPng(p.replace('/images/', '/masks/')));
    expect(s.layers).toEqual([1, 2, 3]);
    expect(values(s.oracle)).toEqual(values(r.oracle));
    expect(values(s.fixed!)).toEqual(values(r.fixed));
    expect(values(s.merged!)).toEqual(values(r.merged));
    expect(values(s.perHead!)).toEqual(values(r.perHead));
    expect(r.images).toBe(16);
    expect(values(s.oracle).every((x) => x > 0 && x <= 1)).toBe(true);
  });

  it('takes the union of a COCO image’s instance masks, through a non-square resize + crop (exact)', async () => {
    const { root } = await writeSyntheticCoco(join(work, 'coco'));
    const ds = await cocoLike('coco', root);
    const batches = await capturePass(session, ds);
    const cfg = saliencyConfig.parse({ type: 'saliency', dataset: 'coco', layers: [1, 3] });
    const ctx = passContext(model, ds, cfg, backend);
    const s = (await saliencyAnalysis.finishModel(await runState(saliencyAnalysis, ctx, batches), ctx)).attention!.saliency!;
    const samples = (ds.source as { samples: CocoSample[] }).samples;
    const union = async (path: string) => {
      const smp = samples.find((x) => x.path === path)!;
      const out = new Uint8Array(smp.height * smp.width);
      for (const a of smp.annotations.filter((x) => !x.iscrowd)) smp.mask(a).data.forEach((v, i) => (out[i] |= v));
      return tensor(out, [smp.height, smp.width]);
    };
    const r = await direct(batches, union, [1, 3]);
    expect(s.layers).toEqual([1, 3]);
    expect(values(s.oracle)).toEqual(values(r.oracle));
    expect(values(s.perHead!)).toEqual(values(r.perHead));
  });

  it('takes a PartImageNet image’s parts as its object (exact)', async () => {
    const { root } = await writeSyntheticPartImageNet(join(work, 'pin'), { split: 'val' });
    const ds = await cocoLike('partImageNet', root, 'val');
    const batches = await capturePass(session, ds);
    const ctx = passContext(model, ds, saliencyConfig.parse({ type: 'saliency', dataset: 'pin' }), backend);
    const s = (await saliencyAnalysis.finishModel(await runState(saliencyAnalysis, ctx, batches), ctx)).attention!.saliency!;
    const samples = (ds.source as { samples: PartImageNetSample[] }).samples;
    const object = async (path: string) => {
      const m = samples.find((x) => x.path === path)!.partLabelMap();
      return tensor(Uint8Array.from(m.data, (v) => (v >= 0 ? 1 : 0)), m.shape);
    };
    const r = await direct(batches, object);
    expect(values(s.oracle)).toEqual(values(r.oracle));
    expect(values(s.perHead!)).toEqual(values(r.perHead));
  });

  it('merges two shards into the single run’s numbers and resumes exactly', async () => {
    const ctx = passContext(model, sample, config, backend);
    const whole = (await saliencyAnalysis.finishModel(await runState(saliencyAnalysis, ctx, sampleBatches), ctx)).attention!.saliency!;
    const a = await runState(saliencyAnalysis, ctx, sampleBatches.slice(0, 1));
    const b = await runState(saliencyAnalysis, ctx, sampleBatches.slice(1));
    a.merge(b);
    const merged = (await saliencyAnalysis.finishModel(a, ctx)).attention!.saliency!;
    for (const k of ['oracle', 'fixed', 'merged', 'perHead'] as const) expect(maxRelDiff(merged[k]!, whole[k]!), k).toBeLessThanOrEqual(1e-6);
    const part = await runState(saliencyAnalysis, ctx, sampleBatches.slice(0, 1));
    const json = JSON.parse(JSON.stringify(roundTrip(part))) as unknown;
    const resumed = await runState(saliencyAnalysis, ctx, sampleBatches.slice(1), await saliencyAnalysis.restore(json, ctx));
    const again = (await saliencyAnalysis.finishModel(resumed, ctx)).attention!.saliency!;
    for (const k of ['oracle', 'fixed', 'merged', 'perHead'] as const) expect(values(again[k]!), k).toEqual(values(whole[k]!));
  });

  it('says in one line when the dataset has no foreground masks', async () => {
    const imagenet: OpenDataset = { ...sample, name: 'imnet', reader: 'imagenet' };
    expect(() => saliencyAnalysis.start(passContext(model, imagenet, config, backend))).toThrow(
      /^the saliency analysis needs foreground masks, which the imagenet dataset 'imnet' does not have; run it on a coco, partImageNet or folder dataset with masks\/\.$/,
    );
    const bare = join(work, 'bare');
    mkdirSync(bare);
    symlinkSync(join(sample.root, 'images'), join(bare, 'images'));
    const noMasks: OpenDataset = { ...sample, root: bare, items: sample.items.map((it) => ({ ...it, path: join(bare, 'images', it.id) })) };
    expect(() => saliencyAnalysis.start(passContext(model, noMasks, config, backend))).toThrow(
      expect.objectContaining({ code: 'VIT_DATASET_LAYOUT', message: `${join(bare, 'masks')}: the folder dataset 'sample' has no masks/ folder; the saliency analysis needs masks/<image file> (1 = foreground) beside images/.` }),
    );
  });
});
