// The engine end to end, in process: a tiny study over tiny models and image folders, with two
// real analyses (AverageCLSAccumulator, MinibatchCKA). Results vs direct package calls, resume
// after stops at random batches, 3 shards + merge vs one run, corrupt images, invalidation.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AverageCLSAccumulator } from '@vit/attention';
import { MinibatchCKA } from '@vit/features';
import { readResults, type ReportInput } from '@vit/report';
import { ViTSession } from '@vit/runtime';
import { mulberry32 } from '@vit/test-utils';
import { mergeStudy } from './mergeStudy.js';
import { runStudy, type RunStudyOptions } from './runStudy.js';
import { TEST_ANALYSES, resultNumbers, writeImages, writeTinyViT } from './internal/testing.js';
import type { StudyProgressSink } from './progress.js';

const work = mkdtempSync(join(tmpdir(), 'vit-study-engine-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const N_IMAGES = 22; // 6 batches of 4 (the last one short)
let config: string;
/** Model `a` only: the resume and shard tests compare with model `a` of the two-model run. */
let one: string;

beforeAll(() => {
  writeTinyViT(join(work, 'a.onnx'), 1);
  writeTinyViT(join(work, 'b.onnx'), 2);
  writeImages(join(work, 'images'), N_IMAGES);
  config = writeConfig('study.json', {});
  one = writeConfig('one.json', { models: [{ name: 'a', method: 'fs', onnx: 'a.onnx', preset: 'imagenet' }] });
});

function writeConfig(name: string, over: Record<string, unknown>): string {
  const file = join(work, name);
  writeFileSync(
    file,
    JSON.stringify({
      title: 'engine test',
      batchSize: 4,
      checkpointEvery: 1,
      checkpointSeconds: 0,
      models: [
        { name: 'a', method: 'fs', onnx: 'a.onnx', preset: 'imagenet' },
        { name: 'b', method: 'dino', onnx: 'b.onnx', preset: 'imagenet-dino' },
      ],
      datasets: [{ name: 'imgs', reader: 'folder', root: 'images' }],
      analyses: [
        { type: 'attention', dataset: 'imgs' },
        { type: 'cka', dataset: 'imgs' },
      ],
      report: { enabled: false },
      ...over,
    }),
  );
  return file;
}

const opts = (out: string, o: Partial<RunStudyOptions> = {}): RunStudyOptions => ({ out: join(work, out), analyses: TEST_ANALYSES, intraOpThreads: 1, ...o });

describe('runStudy', () => {
  let single: ReportInput;

  it('gives the numbers of calling the packages directly (one pass per model feeds both analyses)', async () => {
    const r = await runStudy(config, opts('single'));
    expect(r.results).toBe(join(work, 'single', 'results.json'));
    expect(r.passes.map((p) => [p.model, p.dataset, p.images, p.skipped, p.resumedFrom])).toEqual([
      ['a', 'imgs', N_IMAGES, 0, 0],
      ['b', 'imgs', N_IMAGES, 0, 0],
    ]);
    single = await readResults(join(work, 'single'));
    expect(single.models.map((m) => [m.name, m.method, m.layers, m.heads, m.grid])).toEqual([
      ['a', 'fs', 2, 2, [4, 4]],
      ['b', 'dino', 2, 2, [4, 4]],
    ]);
    // direct: one session, the same batches, the accumulators fed by hand
    const files = Array.from({ length: N_IMAGES }, (_, i) => join(work, 'images', `img-${String(i).padStart(3, '0')}.png`));
    for (const [m, preset] of [
      ['a', { resize: 32, interpolation: 'bicubic' as const, mean: [0.485, 0.456, 0.406] as [number, number, number], std: [0.229, 0.224, 0.225] as [number, number, number] }],
      ['b', { resize: 36, interpolation: 'bicubic' as const, mean: [0.485, 0.456, 0.406] as [number, number, number], std: [0.229, 0.224, 0.225] as [number, number, number] }],
    ] as const) {
      const s = await ViTSession.create(join(work, `${m}.onnx`), { taps: ['attention', 'block'], batchSize: 4, intraOpThreads: 1, transform: preset });
      const cls = new AverageCLSAccumulator();
      const cka = new MinibatchCKA({ tokens: 'cls', batchSize: 4 });
      for await (const cap of s.stream(files)) {
        cls.update(cap);
        cka.update(cap);
      }
      await s.close();
      const got = single.models.find((x) => x.name === m)!;
      const maps = got.attention!.clsMaps!;
      expect(maps.shape).toEqual([2, 2, 4, 4]);
      expect(Array.from(maps.data as Float32Array)).toEqual(Array.from(cls.result().maps.data as Float32Array)); // exact: same batches, same kernels
      const ck = got.features!.cka!;
      const want = cka.result();
      expect(ck.shape).toEqual([2, 2]);
      for (let i = 0; i < 4; i++) expect(Math.abs((ck.data[i] as number) - (want.data[i] as number))).toBeLessThanOrEqual(1e-6);
    }
    expect(single.provenance?.datasets).toEqual([{ name: 'imgs', root: join(work, 'images'), images: N_IMAGES, analyses: ['attention', 'cka'] }]);
    expect(Object.keys(single.provenance!.timings!)).toEqual(['a × imgs', 'b × imgs']);
    expect(single.provenance!.versions!['@vit/cli']).toMatch(/^\d+\.\d+\.\d+/);
    expect(single.provenance!.configHash).toMatch(/^[0-9a-f]{64}$/);
    expect(existsSync(join(work, 'single', 'study.config.json'))).toBe(true);
  });

  it('stopped at random batches several times and resumed gives exactly the same numbers; a finished pass is not redone', async () => {
    const rand = mulberry32(7);
    const out = 'resumed';
    let stops = 0;
    for (let attempt = 0; attempt < 20; attempt++) {
      const ac = new AbortController();
      const stopAt = 1 + Math.floor(rand() * 2); // after this many batches of this run (6 per pass)
      let batches = 0;
      const progress: StudyProgressSink = {
        passStart: () => undefined,
        passUpdate: () => {
          if (++batches === stopAt) ac.abort();
        },
        passEnd: () => undefined,
        analysisDone: () => undefined,
        log: () => undefined,
        stop: () => undefined,
      };
      const r = await runStudy(one, opts(out, { signal: ac.signal, progress }));
      if (!r.stopped) break;
      stops++;
      expect(r.results).toBeNull();
      expect(existsSync(join(work, out, 'results.json'))).toBe(false);
    }
    expect(stops).toBeGreaterThanOrEqual(3);
    const resumed = await readResults(join(work, out));
    expect(resultNumbers(resumed)).toEqual(resultNumbers(single));
    // run again: every pass already done
    const again = await runStudy(one, opts(out));
    expect(again.passes.map((p) => p.resumedFrom)).toEqual([N_IMAGES]);
  });

  it('3 shards + merge equal one run (≤ 1e-6 relative), and merge names missing shards', async () => {
    const out = 'sharded';
    await runStudy(one, opts(out, { shard: '1/3' }));
    await runStudy(one, opts(out, { shard: { k: 3, n: 3 } }));
    await expect(mergeStudy(join(work, out), { analyses: TEST_ANALYSES })).rejects.toThrow(/a × imgs: shard 2\/3; run/);
    const r2 = await runStudy(one, opts(out, { shard: '2/3' }));
    expect(r2.results).toBeNull();
    // batch-aligned slices: 6 batches → 2 per shard
    expect(r2.passes.map((p) => p.images)).toEqual([8]);
    const m = await mergeStudy(join(work, out), { analyses: TEST_ANALYSES });
    expect(m.shards).toBe(3);
    const merged = resultNumbers(await readResults(join(work, out)));
    const whole = resultNumbers(single);
    expect([...merged.keys()]).toEqual([...whole.keys()]);
    for (const [k, v] of whole) {
      const w = merged.get(k)!;
      for (let i = 0; i < v.length; i++) expect(Math.abs(w[i] - v[i])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(v[i])));
    }
  });

  it('skips a corrupt image, reports it and counts it in results.json', async () => {
    const dir = join(work, 'with-bad');
    writeImages(dir, 9, 3);
    writeFileSync(join(dir, 'img-004.png'), 'not a png');
    const cfg = writeConfig('bad-image.json', { datasets: [{ name: 'imgs', reader: 'folder', root: 'with-bad' }], models: [{ name: 'a', onnx: 'a.onnx' }] });
    const logs: string[] = [];
    const progress: StudyProgressSink = { passStart() {}, passUpdate() {}, passEnd() {}, analysisDone() {}, log: (t) => logs.push(t), stop() {} };
    const r = await runStudy(cfg, opts('bad-out', { progress }));
    expect(r.skipped).toEqual([{ file: join(dir, 'img-004.png'), reason: expect.stringMatching(/./), dataset: 'imgs' }]);
    expect(logs.filter((l) => l.includes('img-004.png'))).toHaveLength(1);
    const res = await readResults(join(work, 'bad-out'));
    expect(res.provenance!.skipped).toEqual([{ file: join(dir, 'img-004.png'), reason: r.skipped[0].reason, dataset: 'imgs' }]);
    expect(res.provenance!.datasets![0].images).toBe(8);
  });

  it('a changed analysis config or model redoes only the passes it affects', async () => {
    const out = 'changed';
    const base = writeConfig('c1.json', {});
    await runStudy(base, opts(out));
    const ckpt = (m: string) => statSync(join(work, out, 'cache', 'passes', m, 'imgs', 'shard-1-of-1', 'state.ckpt')).mtimeMs;
    const before = [ckpt('a'), ckpt('b')];
    // cka now only on model b: pass a × imgs keeps its entries? no: it loses one, so it is redone; b's is unchanged
    const narrowed = writeConfig('c2.json', {
      analyses: [
        { type: 'attention', dataset: 'imgs' },
        { type: 'cka', dataset: 'imgs', models: ['b'] },
      ],
    });
    const r = await runStudy(narrowed, opts(out));
    expect(r.passes.map((p) => [p.model, p.resumedFrom])).toEqual([
      ['a', 0],
      ['b', N_IMAGES],
    ]);
    expect(ckpt('b')).toBe(before[1]);
    expect(ckpt('a')).not.toBe(before[0]);
    const res = await readResults(join(work, out));
    expect(res.models[0].features).toBeUndefined();
    expect(res.models[1].features?.cka?.shape).toEqual([2, 2]);
  });
});

// Keep the file's JSON reader honest: results.json names its arrays, and nothing else lies beside them.
it('results.json references .npy files that exist', () => {
  const j = JSON.parse(readFileSync(join(work, 'single', 'results.json'), 'utf8')) as { models: { attention: { clsMaps: { $npy: string } } }[] };
  expect(existsSync(join(work, 'single', j.models[0].attention.clsMaps.$npy))).toBe(true);
});
