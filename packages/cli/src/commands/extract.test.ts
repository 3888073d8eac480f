import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseNpy, serializeNpy, tensor, type Tensor } from '@vit/io';
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
