import { appendFile, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeIndexedPng, readImage, readLabelPng } from '@vit/io';
import { davis } from './davis.js';
import { writeSyntheticDavis } from './synthetic/writeSyntheticDavis.js';
import { syntheticDavisMask } from './synthetic/syntheticDavisMask.js';
import { countingReader, tempDir } from './internal/testing.js';

const H = 18;
const W = 24;
let dir: string;
let cleanup: () => Promise<void>;
let root: string;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  ({ root } = await writeSyntheticDavis(join(dir, 'DAVIS')));
});
afterAll(() => cleanup());

describe('davis', () => {
  it('lists the videos of the split with their frames in order', async () => {
    const ds = await davis(root);
    expect(ds.samples.map((v) => v.id)).toEqual(['bear', 'bike-packing']);
    expect(ds.samples[1].frames.map((f) => f.id)).toEqual(['bike-packing/00000', 'bike-packing/00001', 'bike-packing/00002', 'bike-packing/00003']);
    expect(ds.samples[1].frames.map((f) => f.index)).toEqual([0, 1, 2, 3]);
    expect(ds.describe()).toMatchObject({ dataset: 'davis', split: 'val/480p', samples: 2, counts: { videos: 2, frames: 7, annotatedFrames: 7 }, skipped: [] });
  });

  it('reads masks as palette indices = object ids', async () => {
    const ds = await davis(root);
    const v = ds.samples[1];
    for (const f of v.frames) {
      const m = await f.loadMask();
      expect(m.shape).toEqual([H, W]);
      expect(Array.from(m.data)).toEqual(Array.from(syntheticDavisMask(H, W, 2, f.index)));
    }
    expect(await v.objectIds()).toEqual([1, 2]);
    expect(await ds.samples[0].objectIds()).toEqual([1]);
    // the files really are palette PNGs: decoded as RGB, object 1 has VOC colour 1 and object 2 colour 2
    const rgb = await readImage(v.frames[0].maskPath!);
    const at = (y: number, x: number) => Array.from(rgb.data.subarray((y * W + x) * 3, (y * W + x) * 3 + 3));
    expect([at(1, 0), at(5, 0), at(0, 0)]).toEqual([[128, 0, 0], [0, 128, 0], [0, 0, 0]]);
    // and the strict palette decoder of @vit/io agrees with the indices
    expect(Array.from(decodeIndexedPng(await readFile(v.frames[3].maskPath!)).data)).toEqual(Array.from(syntheticDavisMask(H, W, 2, 3)));
  });

  it('decodes no frame or mask until asked', async () => {
    const { reader, reads } = countingReader();
    const masks: string[] = [];
    const ds = await davis(root, {
      imageReader: reader,
      maskReader: async (p) => {
        masks.push(p);
        return readLabelPng(p);
      },
    });
    for await (const v of ds) expect(v.frames.length).toBeGreaterThan(0);
    expect(reads).toEqual([]);
    expect(masks).toEqual([]);
    const img = await ds.samples[0].frames[2].loadImage();
    expect(img.shape).toEqual([H, W, 3]);
    expect(reads).toEqual([join(root, 'JPEGImages', '480p', 'bear', '00002.jpg')]);
    await ds.samples[0].objectIds();
    expect(masks).toEqual([join(root, 'Annotations', '480p', 'bear', '00000.png')]);
  });

  it('skips and reports a listed video without frames; frames without masks have maskPath null', async () => {
    const { root: r2 } = await writeSyntheticDavis(join(dir, 'D2'), { videos: { cows: { frames: 2, objects: 3 } } });
    await appendFile(join(r2, 'ImageSets', '2017', 'val.txt'), 'ghost\n');
    await rm(join(r2, 'Annotations', '480p', 'cows', '00001.png'));
    const ds = await davis(r2);
    expect(ds.samples.map((v) => v.id)).toEqual(['cows']);
    expect(ds.describe().skipped).toEqual([{ reason: 'missing-video', message: expect.any(String), count: 1, examples: [join(r2, 'JPEGImages', '480p', 'ghost')] }]);
    expect(ds.describe().counts.annotatedFrames).toBe(1);
    const f1 = ds.samples[0].frames[1];
    expect(f1.maskPath).toBeNull();
    await expect(f1.loadMask()).rejects.toThrow(/00001\.jpg: frame has no annotation PNG/);
    expect(await ds.samples[0].objectIds()).toEqual([1, 2, 3]);
  });

  it('names the missing list file or folder with the expected layout', async () => {
    await expect(davis(root, { split: 'test-dev' })).rejects.toThrow(/ImageSets\/2017\/test-dev\.txt: DAVIS video list not found; expected layout: <root>\/ImageSets\/2017\/<split>\.txt/);
    await expect(davis(root, { resolution: 'Full-Resolution' })).rejects.toThrow(/JPEGImages\/Full-Resolution: DAVIS frames \(Full-Resolution\) folder not found/);
    await expect(davis(join(dir, 'nothing'))).rejects.toThrow(/nothing: DAVIS root folder not found/);
  });
});
