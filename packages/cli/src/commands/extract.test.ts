import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseNpy, readImage, serializeNpy, tensor, type Tensor } from '@vit/io';
import { preprocess } from '@vit/runtime';
import { rmSync } from 'node:fs';
import { runCli } from '../runCli.js';
import type { ExtractManifest } from './extract.js';

const FIX = fileURLToPath(new URL('../../../runtime/fixtures/', import.meta.url));
const model = (name: string) => join(FIX, name, 'model.onnx');
const work = mkdtempSync(join(tmpdir(), 'vit-extract-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function vit(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  return { code, out, err };
}

function npy(path: string): Tensor<Float32Array> {
  return parseNpy(readFileSync(path), path).tensor as Tensor<Float32Array>;
}

function maxAbsDiff(a: Tensor<Float32Array>, b: Tensor<Float32Array>): number {
  expect(a.shape).toEqual(b.shape);
  let m = 0;
  for (let i = 0; i < a.size; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

let n = 0;
const fresh = () => join(work, `out${n++}`);

describe('vit extract --pixels', () => {
  it('writes <tap>-<l>.npy equal to PyTorch’s taps (to 1e-5) and a manifest', async () => {
    const out = fresh();
    const r = await vit('extract', model('clip'), '--pixels', join(FIX, 'clip', 'input.npy'), '--out', out, '--taps', 'attention,block,attnIn', '--batch', '1', '--threads', '1');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(`wrote 6 arrays for 2 image(s) to ${out}\n`);
    expect(readdirSync(out).sort()).toEqual(['attention-1.npy', 'attention-2.npy', 'attnIn-1.npy', 'attnIn-2.npy', 'block-1.npy', 'block-2.npy', 'manifest.json']);
    for (const f of readdirSync(out).filter((x) => x.endsWith('.npy'))) {
      expect(maxAbsDiff(npy(join(out, f)), npy(join(FIX, 'clip', f))), f).toBeLessThan(1e-5);
    }
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as ExtractManifest;
    expect(m.grid).toEqual({ gh: 4, gw: 4, prefix: 1, patch: 8 });
    expect(m.summary).toMatchObject({ layers: 2, heads: 4, dim: 32, tokens: 17, prefixTokens: 1 });
    expect(m.layers).toEqual([1, 2]);
    expect(m.images).toEqual([
      { index: 0, id: '0' },
      { index: 1, id: '1' },
    ]);
    expect(m.files['attention-2.npy']).toEqual({ tap: 'attention', layer: 2, shape: [2, 4, 17, 17] });
  });

  it('selects layers (1-based) and prints one JSON object with --json', async () => {
    const out = fresh();
    const r = await vit('extract', model('registers'), '--pixels', join(FIX, 'registers', 'input.npy'), '--out', out, '--layers', '2', '--taps', 'block', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toEqual({ out, images: 2, skipped: [], files: ['block-2.npy'] });
    expect(maxAbsDiff(npy(join(out, 'block-2.npy')), npy(join(FIX, 'registers', 'block-2.npy')))).toBeLessThan(1e-5);
  });
});

/** Rows of a [B,T,D] / [B,H,T,K] reference: token(s) `from…from+n` of every item (and head). */
function tokenRows(t: Tensor<Float32Array>, from: number, n: number, attention: boolean): Tensor<Float32Array> {
  const s = t.shape;
  const [lead, T, K] = attention ? [s[0] * s[1], s[2], s[3]] : [s[0], s[1], s[2]];
  const out = new Float32Array(lead * n * K);
  for (let i = 0; i < lead; i++) out.set(t.data.subarray((i * T + from) * K, (i * T + from + n) * K), i * n * K);
  const shape = attention ? [s[0], s[1], n, K] : [s[0], n, K];
  return tensor(out, n === 1 ? shape.filter((_, k) => k !== shape.length - 2) : shape);
}

describe('vit extract --dtype / --tokens', () => {
  it('--dtype float16 --tokens cls: CLS rows only ([N,D], attention [N,H,T]) in half precision', async () => {
    const out = fresh();
    const r = await vit('extract', model('clip'), '--pixels', join(FIX, 'clip', 'input.npy'), '--out', out, '--dtype', 'float16', '--tokens', 'cls');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as ExtractManifest;
    expect(m.dtype).toBe('float16');
    expect(m.tokens).toBe('cls');
    expect(m.files['block-2.npy'].shape).toEqual([2, 32]);
    expect(m.files['attention-1.npy'].shape).toEqual([2, 4, 17]);
    for (const f of ['block-1.npy', 'block-2.npy', 'attention-1.npy', 'attention-2.npy']) {
      const bytes = readFileSync(join(out, f));
      const { dtype, tensor: t16 } = parseNpy(bytes, f);
      const got = t16 as Tensor<Float32Array>;
      expect(dtype).toBe('float16');
      const want = tokenRows(npy(join(FIX, 'clip', f)), 0, 1, f.startsWith('attention'));
      expect(got.shape).toEqual(want.shape);
      // float16 keeps 11 significant bits: relative error ≤ 2^-11, plus the 1e-5 of the taps.
      for (let i = 0; i < want.size; i++) expect(Math.abs(got.data[i] - want.data[i])).toBeLessThanOrEqual(Math.abs(want.data[i]) * 2 ** -11 + 1e-5);
      expect(bytes.length).toBe(128 + 2 * want.size);
    }
  });

  it('--tokens spatial: patch tokens [N,gh·gw,D] and their attention rows [N,H,gh·gw,T]', async () => {
    const out = fresh();
    const r = await vit('extract', model('registers'), '--pixels', join(FIX, 'registers', 'input.npy'), '--out', out, '--tokens', 'spatial', '--json');
    expect(r.code).toBe(0);
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as ExtractManifest;
    const P = m.grid.prefix;
    expect(P).toBeGreaterThan(1);
    for (const f of Object.keys(m.files)) {
      const ref = npy(join(FIX, 'registers', f));
      const T = f.startsWith('attention') ? ref.shape[2] : ref.shape[1];
      expect(maxAbsDiff(npy(join(out, f)), tokenRows(ref, P, T - P, f.startsWith('attention'))), f).toBeLessThan(1e-5);
    }
  });
});

describe('vit extract --images', () => {
  const images = join(FIX, 'images');

  it('skips a corrupt image, writes the rest, and exits non-zero unless --skip-bad', async () => {
    const out = fresh();
    const r = await vit('extract', model('timm'), '--images', images, '--out', out, '--batch', '2', '--preset', 'inception');
    expect(r.code).toBe(1);
    const lines = r.err.trim().split('\n');
    expect(lines[0]).toMatch(/^vit extract: skipped img2b_broken\.jpg: /);
    expect(lines[1]).toBe('vit extract: 1 image(s) could not be decoded and were skipped (listed in manifest.json); pass --skip-bad to accept that.');
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as ExtractManifest;
    expect(m.images.map((i) => i.id)).toEqual(['img0.jpg', 'img1.png', 'img2.jpg', 'img3.png', 'img4.jpg']);
    expect(m.skipped.map((s) => s.id)).toEqual(['img2b_broken.jpg']);
    expect(npy(join(out, 'attention-3.npy')).shape).toEqual([5, 2, 17, 17]);

    const ok = await vit('extract', model('timm'), '--images', images, '--out', fresh(), '--skip-bad');
    expect(ok.code).toBe(0);
  });

  it('--preset imagenet-dino with --resize/--interpolation: the manifest records the transform and decoder, pixels equal preprocess()', async () => {
    const out = fresh();
    const r = await vit('extract', model('timm'), '--images', images, '--out', out, '--taps', 'block', '--layers', '-1', '--skip-bad', '--preset', 'imagenet-dino', '--interpolation', 'bilinear', '--resize', '40');
    expect(r.code).toBe(0);
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as ExtractManifest;
    expect(m.source).toMatchObject({
      images,
      preset: 'imagenet-dino',
      preprocess: { resize: 40, crop: [32, 32], interpolation: 'bilinear', antialias: true, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    });
    expect((m.source as { decoder: string }).decoder).toMatch(/^sharp \d/);
    // The same numbers through --pixels made on the main thread with preprocess().
    const ids = m.images.map((i) => i.id);
    const x = new Float32Array(ids.length * 3 * 32 * 32);
    for (const [i, id] of ids.entries()) {
      x.set(preprocess(await readImage(join(images, id)), { crop: 32, resize: 40, interpolation: 'bilinear', preset: 'imagenet' }).data, i * 3 * 32 * 32);
    }
    const px = join(work, 'dino-pixels.npy');
    writeFileSync(px, serializeNpy(tensor(x, [ids.length, 3, 32, 32])));
    const ref = fresh();
    expect((await vit('extract', model('timm'), '--pixels', px, '--out', ref, '--taps', 'block', '--layers', '-1')).code).toBe(0);
    expect(maxAbsDiff(npy(join(out, 'block-3.npy')), npy(join(ref, 'block-3.npy')))).toBeLessThan(1e-6);
    // The preset alone scales with the input size: ⌊32 / 0.875⌋ = 36.
    const p2 = fresh();
    expect((await vit('extract', model('timm'), '--images', images, '--out', p2, '--taps', 'block', '--layers', '-1', '--skip-bad', '--preset', 'timm:0.875,bicubic')).code).toBe(0);
    expect((JSON.parse(readFileSync(join(p2, 'manifest.json'), 'utf8')) as ExtractManifest).source).toMatchObject({ preprocess: { resize: 36, interpolation: 'bicubic' } });
  });

  it('warns when --image-size does not match a static graph (and goes on at the graph size)', async () => {
    const r = await vit('extract', model('timm'), '--images', images, '--out', fresh(), '--taps', 'block', '--layers', '-1', '--skip-bad', '--image-size', '16,16');
    expect(r.code).toBe(0);
    expect(r.err.split('\n')[0]).toBe("vit extract: warning: --image-size 16,16 is ignored: this graph's input is fixed at 32×32; images are cropped to that.");
  });

  it('recurses into class folders in sorted order', async () => {
    const dir = join(work, 'classes');
    mkdirSync(join(dir, 'b'), { recursive: true });
    mkdirSync(join(dir, 'a'), { recursive: true });
    copyFileSync(join(images, 'img0.jpg'), join(dir, 'b', 'x.jpg'));
    copyFileSync(join(images, 'img1.png'), join(dir, 'a', 'y.png'));
    writeFileSync(join(dir, 'a', 'notes.txt'), 'not an image');
    const out = fresh();
    const r = await vit('extract', model('gap'), '--images', dir, '--out', out, '--taps', 'block', '--layers', '-1');
    expect(r.code).toBe(0);
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as ExtractManifest;
    expect(m.images.map((i) => i.id)).toEqual([join('a', 'y.png'), join('b', 'x.jpg')]);
    expect(npy(join(out, 'block-2.npy')).shape).toEqual([2, 16, 32]);
  });
});

describe('vit extract bad input: one line, exit 1, no output', () => {
  const pixels = join(FIX, 'timm', 'input.npy');
  const cases: [string, () => string[], RegExp][] = [
    ['a missing model path', () => ['extract', '/nonexistent/m.onnx', '--pixels', pixels], /^vit extract: \/nonexistent\/m\.onnx: model file not found\.$/],
    ['a file that is not ONNX', () => ['extract', join(FIX, 'images', 'img1.png'), '--pixels', pixels], /not an ONNX model/],
    ['a CNN', () => ['extract', model('cnn'), '--pixels', pixels], /no self-attention found/],
    ['fused attention without an MLP', () => ['extract', model('fused'), '--pixels', pixels], /could not find the MLP residual add of block 1/],
    ['pixels of the wrong size', () => ['extract', model('nonsquare'), '--pixels', pixels], /^vit extract: `--pixels` of vit extract must have shape \[B,3,24,32\] for this model\. Got \[2,3,32,32\]\.$/],
    ['pixels of the wrong dtype', () => ['extract', model('timm'), '--pixels', f64()], /must be a float32 \[B,3,H,W\] array\. Got float64/],
    ['both --pixels and --images', () => ['extract', model('timm'), '--pixels', pixels, '--images', FIX], /exactly one of --pixels <x\.npy> or --images <dir>\. Got both/],
    ['an unknown tap', () => ['extract', model('timm'), '--pixels', pixels, '--taps', 'attention,keys'], /`--taps` of vit extract must be a comma list of attention, block/],
    ['a layer out of range', () => ['extract', model('timm'), '--pixels', pixels, '--layers', '1,7'], /layer 7 is out of range \(1 to 3\)/],
    ['a directory without images', () => ['extract', model('timm'), '--images', join(FIX, 'cnn')], /no \.jpg\/\.jpeg\/\.png files/],
    ['an unknown dtype', () => ['extract', model('timm'), '--pixels', pixels, '--dtype', 'float64'], /^vit extract: `--dtype` of vit extract must be float32 or float16\. Got "float64"\.$/],
    ['an unknown --tokens', () => ['extract', model('timm'), '--pixels', pixels, '--tokens', 'mean'], /`--tokens` of vit extract must be all, cls or spatial\. Got "mean"/],
    ['an unknown preset', () => ['extract', model('timm'), '--images', FIX, '--preset', 'dino'], /`--preset` of vit extract must be imagenet-dino, .* Got "dino"\.$/],
    ['an unknown interpolation', () => ['extract', model('timm'), '--images', FIX, '--interpolation', 'lanczos'], /`--interpolation` of vit extract must be bilinear, bicubic or nearest/],
    ['--tokens cls on a model without CLS', () => ['extract', model('gap'), '--pixels', join(FIX, 'gap', 'input.npy'), '--tokens', 'cls'], /needs a CLS token/],
  ];
  function f64(): string {
    const p = join(work, 'f64.npy');
    if (!existsSync(p)) writeFileSync(p, serializeNpy(tensor(new Float64Array(2 * 3 * 32 * 32), [2, 3, 32, 32])));
    return p;
  }
  it.each(cases)('%s', async (_, argv, message) => {
    const out = fresh();
    const r = await vit(...argv(), '--out', out);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err.endsWith('\n') && r.err.split('\n').length).toBe(2);
    expect(r.err.trim()).toMatch(message);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(work).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it('refuses a non-empty --out unless --force, and replaces it with --force', async () => {
    const out = fresh();
    mkdirSync(out);
    writeFileSync(join(out, 'old.txt'), 'x');
    const r = await vit('extract', model('timm'), '--pixels', pixels, '--out', out, '--taps', 'block', '--layers', '1');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--out exists and is not empty/);
    const f = await vit('extract', model('timm'), '--pixels', pixels, '--out', out, '--taps', 'block', '--layers', '1', '--force');
    expect(f.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['block-1.npy', 'manifest.json']);
  });

  it('reports a missing required option through commander with a non-zero code', async () => {
    const r = await vit('extract', model('timm'), '--pixels', pixels);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/required option '--out <dir>' not specified/);
  });
});
