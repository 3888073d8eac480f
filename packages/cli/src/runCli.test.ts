// First-run defects, tried as a new user would: the CLI speaks in flags, names files, and says what it assumed.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { serializeSafetensors } from '@vit/io';
import { randomViTWeights } from '@vit/runtime';
import type { BuildJson } from './commands/build.js';
import { runCli } from './runCli.js';

const FIX = fileURLToPath(new URL('../../runtime/fixtures/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'vit-runcli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function vit(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  return { code, out, err };
}

/** A checkpoint of a ViT with `dim` channels and `heads` heads, timm-named. */
function checkpoint(name: string, dim: number, heads: number): string {
  const file = join(work, name);
  writeFileSync(file, serializeSafetensors(randomViTWeights({ imageSize: 16, patchSize: 8, dim, depth: 1, heads }, { seed: 1 })));
  return file;
}

describe('runCli', () => {
  it('vit build --weights on a width-64 checkpoint says in one warning line that it assumed 1 head, and names --heads (also in --json)', async () => {
    const ckpt = checkpoint('w64.safetensors', 64, 2);
    const r = await vit('build', '--weights', ckpt, '--out', join(work, 'w64.onnx'), '--json');
    expect(r.code).toBe(0);
    const warning = 'assumed 1 attention head(s) of width 64: a checkpoint of width 64 does not tell its heads; pass --heads <n> if that is wrong.';
    expect(r.err).toBe(`vit build: warning: ${warning}\n`);
    const j = JSON.parse(r.out) as BuildJson;
    expect([j.config.heads, j.warnings]).toEqual([1, [warning]]);
    const told = await vit('build', '--weights', ckpt, '--heads', '2', '--out', join(work, 'w64h2.onnx'), '--json');
    expect([told.code, told.err, (JSON.parse(told.out) as BuildJson).warnings]).toEqual([0, '', []]);
  });

  it('asks for --heads, never for `options.heads` of inferViTConfig', async () => {
    const w40 = checkpoint('w40.safetensors', 40, 2);
    const r = await vit('build', '--weights', w40, '--out', join(work, 'w40.onnx'));
    expect(r.code).toBe(1);
    expect(r.err).toBe(`vit build: ${w40}: \`--heads\` is needed: the checkpoint (width 40) does not tell the number of heads. Pass \`--heads\`.\n`);
  });

  it('names a truncated model file, without library function names', async () => {
    const bytes = readFileSync(join(FIX, 'clip', 'model.onnx'));
    const truncated = join(work, 'truncated.onnx');
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    for (const verb of ['extract', 'inspect']) {
      const r = verb === 'extract' ? await vit('extract', truncated, '--images', join(FIX, 'images'), '--out', join(work, 'out')) : await vit('inspect', truncated);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(new RegExp(`^vit ${verb}: ${truncated.replace(/[.]/g, '\\.')}: not an ONNX model \\(protobuf decoding failed`));
      expect(r.err.split('\n')).toHaveLength(2);
      expect(r.err).not.toMatch(/instrumentModel|inspectModel|decodeModel|ViTSession/);
    }
  });

  it('reports graph problems of vit extract by file, not by library function', async () => {
    const cnn = join(FIX, 'cnn', 'model.onnx');
    const r = await vit('extract', cnn, '--images', join(FIX, 'images'), '--out', join(work, 'cnn-out'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^vit extract: \S+cnn\/model\.onnx: no self-attention found/);
    expect(r.err).not.toMatch(/instrumentModel|ViTSession/);
  });
});
