import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../runCli.js';

const FIX = fileURLToPath(new URL('../../../runtime/fixtures/', import.meta.url));
const model = (name: string) => join(FIX, name, 'model.onnx');

async function vit(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  return { code, out, err };
}

describe('vit inspect', () => {
  it.each(['timm', 'mha', 'clip', 'registers', 'gap', 'nonsquare'])('--json prints exactly one object with the model summary (%s)', async (name) => {
    const r = await vit('inspect', model(name), '--json');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out.trim().split('\n')).toHaveLength(1);
    const j = JSON.parse(r.out);
    const e = JSON.parse(readFileSync(join(FIX, name, 'expected.json'), 'utf8'));
    expect(Object.keys(j).sort()).toEqual(
      ['dim', 'fused', 'grid', 'heads', 'imageSize', 'input', 'layers', 'layouts', 'model', 'norm', 'patch', 'prefixTokens', 'tensors', 'tokens'].sort(),
    );
    expect({ layers: j.layers, heads: j.heads, dim: j.dim, tokens: j.tokens, prefixTokens: j.prefixTokens, grid: j.grid, patch: j.patch, imageSize: j.imageSize }).toEqual({
      layers: e.layers,
      heads: e.heads,
      dim: e.dim,
      tokens: e.tokens,
      prefixTokens: e.prefixTokens,
      grid: e.grid,
      patch: e.patch,
      imageSize: e.imageSize,
    });
    expect(j.fused).toBe(false);
    expect(Object.keys(j.tensors).sort()).toEqual(['attention', 'attnBranch', 'attnIn', 'attnSkip', 'block', 'mlpBranch', 'mlpIn', 'mlpSkip']);
    expect(j.tensors.attention).toHaveLength(e.layers);
  });

  it('prints a human summary by default', async () => {
    const r = await vit('inspect', model('clip'));
    expect(r.code).toBe(0);
    expect(r.out).toContain('layers       2\n');
    expect(r.out).toContain('prefixTokens 1 (CLS)\n');
    expect(r.out).toContain('grid         [4, 4]\n');
    expect(r.out).toContain('imageSize    [32, 32]\n');
    expect(r.out).toContain('fused        false\n');
    expect(r.out).toMatch(/ {4}1 {2}\S+ {2}\[BH_TT\]/);
    expect(r.out).toMatch(/ {4}2 {2}\S+ {2}\[TBD\]/);
  });

  it.each([
    ['fused', /^vit inspect: \S+fused\/model\.onnx: node "blocks\.0\.attn\/Attention" is a fused com\.microsoft\.Attention op.*eager attention/],
    ['cnn', /^vit inspect: \S+cnn\/model\.onnx: no self-attention found/],
    ['softmax_queries', /^vit inspect: .*not over the keys/],
  ])('fails with one line on %s', async (name, message) => {
    const r = await vit('inspect', model(name));
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err.split('\n')).toHaveLength(2);
    expect(r.err).toMatch(message);
  });

  it('fails with one line on a missing path', async () => {
    const r = await vit('inspect', '/no/such/model.onnx', '--json');
    expect(r).toEqual({ code: 1, out: '', err: 'vit inspect: /no/such/model.onnx: model file not found.\n' });
  });
});
