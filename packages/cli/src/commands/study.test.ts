// `vit study` end to end through the CLI, on tiny built ViTs and a tiny image folder: results.json
// equals calling the packages directly; SIGKILL at random batches several times, then resume →
// the same numbers; 3 shards + merge = one run; Ctrl-C writes the checkpoint and exits 130; bad
// config, missing dataset root, a model that is not a ViT → one line, nothing written; a corrupt
// image is skipped, reported and counted.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttentionSuiteAccumulator } from '@vit/attention';
import { readResults, type ReportInput } from '@vit/report';
import { ViTSession } from '@vit/runtime';
import { mulberry32 } from '@vit/test-utils';
import { runCli } from '../runCli.js';
import { decodeCheckpoint, type PassCheckpoint } from '../study/checkpoint.js';
import { resultNumbers, writeImages, writeTinyViT } from '../study/internal/testing.js';
import type { StudyJson } from './study.js';

const BIN = fileURLToPath(new URL('../../bin/vit.js', import.meta.url));
const CNN = fileURLToPath(new URL('../../../runtime/fixtures/cnn/model.onnx', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'vit-study-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const N = 24; // 6 batches of 4 per pass
const MODELS = [
  { name: 'a', method: 'fs', onnx: 'a.onnx', preset: 'imagenet' },
  { name: 'b', method: 'dino', onnx: 'b.onnx', preset: 'imagenet-dino' },
];
const ANALYSES = [
  { type: 'attention', dataset: 'imgs', examples: 1, pcaImages: 8 },
  { type: 'cka', dataset: 'imgs', minibatch: 4, images: 16 },
];

function writeConfig(name: string, over: Record<string, unknown> = {}): string {
  const file = join(work, name);
  writeFileSync(
    file,
    JSON.stringify({ title: 'cli test', batchSize: 4, checkpointEvery: 1, checkpointSeconds: 0, models: MODELS, datasets: [{ name: 'imgs', reader: 'folder', root: 'images' }], analyses: ANALYSES, report: { enabled: false }, ...over }),
  );
  return file;
}

async function vit(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  return { code, out, err };
}

/** Items consumed over every pass checkpoint of `out` (single run). */
function progressOf(out: string): number {
  let done = 0;
  for (const m of ['a']) {
    const f = join(out, 'cache', 'passes', m, 'imgs', 'shard-1-of-1', 'state.ckpt');
    if (!existsSync(f)) continue;
    try {
      done += (decodeCheckpoint(readFileSync(f)) as PassCheckpoint).done;
    } catch {
      // renamed in place while reading: the next poll sees it
    }
  }
  return done;
}

/** Spawn the built CLI; `stopWhen(done)` decides when to send `signal` (polling the checkpoints). */
function spawnStudy(config: string, out: string, stop?: { when: (done: number) => boolean; signal: NodeJS.Signals }): Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string; sent: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'study', config, '--out', out, '--threads', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let sent = false;
    child.stderr.on('data', (d) => (err += d));
    child.stdout.resume();
    const timer = stop
      ? setInterval(() => {
          if (!sent && stop.when(progressOf(out))) {
            sent = true;
            child.kill(stop.signal);
          }
        }, 5)
      : undefined;
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearInterval(timer);
      resolve({ code, signal, err, sent });
    });
  });
}

let single: ReportInput;
const config = () => join(work, 'study.json');
/** Model `a` only (one pass per process: the kill tests stay short); compared with model `a` of the two-model run. */
const one = () => join(work, 'one.json');

beforeAll(() => {
  writeTinyViT(join(work, 'a.onnx'), 1);
  writeTinyViT(join(work, 'b.onnx'), 2);
  writeImages(join(work, 'images'), N);
  writeConfig('study.json');
  writeConfig('one.json', { models: [MODELS[0]] });
});

describe('vit study', () => {
  it('writes results.json (and the report) with the numbers of calling the packages directly', async () => {
    const cfg = writeConfig('with-report.json', { report: { enabled: true, viewerImages: 1 } });
    const r = await vit('study', cfg, '--out', join(work, 'single'), '--json', '--threads', '1');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as StudyJson;
    expect(j.results).toBe(join(work, 'single', 'results.json'));
    expect(j.report).toBe(join(work, 'single', 'report', 'index.html'));
    expect(existsSync(j.report!)).toBe(true);
    expect(j.passes.map((p) => [p.model, p.dataset, p.images, p.skipped, p.resumedFrom])).toEqual([
      ['a', 'imgs', N, 0, 0],
      ['b', 'imgs', N, 0, 0],
    ]);
    single = await readResults(join(work, 'single'));
    // direct: the same stream, the suite accumulator fed by hand; tolerance 1e-6 absolute (float32 maps)
    const files = Array.from({ length: N }, (_, i) => join(work, 'images', `img-${String(i).padStart(3, '0')}.png`));
    const transforms = { a: { resize: undefined }, b: { resize: 36, cropPct: undefined } };
    for (const m of ['a', 'b'] as const) {
      const s = await ViTSession.create(join(work, `${m}.onnx`), {
        taps: ['attention'],
        batchSize: 4,
        intraOpThreads: 1,
        transform: { interpolation: 'bicubic', antialias: true, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], ...transforms[m] },
      });
      const suite = new AttentionSuiteAccumulator({ cls: {}, aaam: { coverage: false }, distance: {} });
      for await (const cap of s.stream(files)) suite.update(cap);
      await s.close();
      const want = suite.result();
      const got = single.models.find((x) => x.name === m)!.attention!;
      for (const [g, w] of [
        [got.clsMaps!, want.cls!.maps],
        [got.aaam!, want.aaam!.aaam],
        [got.distance!, want.distance!.perHead],
      ] as const) {
        expect(g.shape).toEqual(w.shape);
        for (let i = 0; i < w.size; i++) expect(Math.abs((g.data[i] as number) - (w.data[i] as number))).toBeLessThanOrEqual(1e-6);
      }
    }
    const cka = single.models[0].features!.cka!;
    expect(cka.shape).toEqual([2, 2]);
    expect(cka.data[0]).toBeCloseTo(1, 5); // a layer with itself
    expect(single.across?.lastLayerCKA?.models).toEqual(['a', 'b']);
  });

  it('killed (SIGKILL) after random numbers of batches several times, then resumed: the same results.json numbers', async () => {
    const out = join(work, 'killed');
    const rand = mulberry32(11);
    let kills = 0;
    for (let attempt = 0; attempt < 6 && kills < 3; attempt++) {
      const before = progressOf(out);
      const at = before + 1 + Math.floor(rand() * 6); // a few batches into this run
      const r = await spawnStudy(one(), out, { when: (d) => d >= at, signal: 'SIGKILL' });
      if (r.signal === 'SIGKILL') {
        kills++;
        expect(existsSync(join(out, 'results.json'))).toBe(false);
      } else {
        expect(r.code).toBe(0); // finished before the kill landed
        break;
      }
    }
    expect(kills).toBeGreaterThanOrEqual(2);
    if (!existsSync(join(out, 'results.json'))) {
      const r = await spawnStudy(one(), out);
      expect([r.code, r.err]).toEqual([0, expect.any(String)]);
    }
    expect(resultNumbers(await readResults(out))).toEqual(resultNumbers(single));
  }, 300_000);

  it('Ctrl-C (SIGINT) finishes the batch, writes the checkpoint, exits 130 with one line; the next run resumes', async () => {
    const out = join(work, 'interrupted');
    const r = await spawnStudy(one(), out, { when: (d) => d >= 4, signal: 'SIGINT' });
    expect(r.sent).toBe(true);
    expect(r.code).toBe(130);
    expect(r.err).toMatch(/^vit study: stopped after \d+\/24 images of a × imgs; run the same command again to resume\.$/m);
    expect(existsSync(join(out, 'results.json'))).toBe(false);
    const done = progressOf(out);
    expect(done).toBeGreaterThanOrEqual(4);
    const again = await vit('study', one(), '--out', out, '--json', '--threads', '1');
    expect(again.code).toBe(0);
    const j = JSON.parse(again.out) as StudyJson;
    expect(j.passes.reduce((a, p) => a + p.resumedFrom, 0)).toBe(done);
    expect(resultNumbers(await readResults(out))).toEqual(resultNumbers(single));
  }, 300_000);

  it('3 shards + vit study merge = one run (≤ 1e-6 relative); merge names a missing shard', async () => {
    const out = join(work, 'sharded');
    for (const k of [1, 3]) expect((await vit('study', config(), '--out', out, '--shard', `${k}/3`, '--quiet', '--threads', '1')).code).toBe(0);
    const early = await vit('study', 'merge', out);
    expect(early.code).toBe(1);
    expect(early.err).toMatch(/^vit study: cannot merge .*a × imgs: shard 2\/3; b × imgs: shard 2\/3; run `vit study <config> --out .* --shard k\/N`/);
    expect(early.err.split('\n')).toHaveLength(2);
    const s2 = await vit('study', config(), '--out', out, '--shard', '2/3', '--threads', '1');
    expect(s2.out).toBe(`shard 2/3 done; when all 3 shards are done, run: vit study merge ${out}\n`);
    const m = await vit('study', 'merge', out, '--json');
    expect(m.code).toBe(0);
    expect((JSON.parse(m.out) as StudyJson).results).toBe(join(out, 'results.json'));
    const res = await readResults(out);
    for (const name of ['a', 'b']) {
      const merged = resultNumbers(res, name);
      const whole = resultNumbers(single, name);
      expect([...merged.keys()]).toEqual([...whole.keys()]);
      for (const [k, v] of whole) {
        const w = merged.get(k)!;
        for (let i = 0; i < v.length; i++) {
          if (Number.isNaN(v[i])) expect(w[i]).toBeNaN();
          else expect(Math.abs(w[i] - v[i])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(v[i])));
        }
      }
    }
    const across = res.across!.lastLayerCKA!.matrix.data;
    single.across!.lastLayerCKA!.matrix.data.forEach((v, i) => expect(Math.abs((across[i] as number) - (v as number))).toBeLessThanOrEqual(1e-6));
  });

  it('a corrupt image is skipped, reported in one line and counted in results.json', async () => {
    const dir = join(work, 'with-bad');
    writeImages(dir, 8, 5);
    writeFileSync(join(dir, 'img-002.png'), 'not a png at all');
    const cfg = writeConfig('bad-image.json', { models: [MODELS[0]], datasets: [{ name: 'imgs', reader: 'folder', root: 'with-bad' }], analyses: [ANALYSES[0]] });
    const r = await vit('study', cfg, '--out', join(work, 'bad-out'), '--quiet', '--threads', '1');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const loud = await vit('study', cfg, '--out', join(work, 'bad-out2'), '--threads', '1');
    const lines = loud.err.split('\n').filter((l) => l.includes('img-002.png'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^vit study: skipped .*img-002\.png: /);
    const res = await readResults(join(work, 'bad-out'));
    expect(res.provenance!.skipped).toEqual([{ file: join(dir, 'img-002.png'), reason: expect.any(String), dataset: 'imgs' }]);
    expect(res.provenance!.datasets![0].images).toBe(7);
  });

  it('a bad config, a missing dataset root, a model that is not a ViT: one line each, exit 1, nothing written', async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['bad-config.json', { analyses: [{ type: 'attention', dataset: 'imgz' }] }, /^vit study: .*bad-config\.json: analyses\[0\]\.dataset: "imgz" is not a dataset of this config \(have: imgs\)/],
      ['no-root.json', { datasets: [{ name: 'imgs', reader: 'folder', root: 'nowhere' }] }, /^vit study: .*nowhere/],
      ['cnn.json', { models: [{ name: 'cnn', onnx: CNN }] }, /^vit study: .*cnn.*no self-attention/],
    ];
    for (const [name, over, line] of cases) {
      const out = join(work, `err-${name}`);
      const r = await vit('study', writeConfig(name, over), '--out', out);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(line);
      expect(r.err.split('\n')).toHaveLength(2);
      expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
    }
    const noOut = await vit('study', config());
    expect([noOut.code, noOut.err]).toEqual([1, 'vit study: `--out <dir>` is needed: the folder the study writes (results.json, arrays/, report/, cache/).\n']);
  });
});
