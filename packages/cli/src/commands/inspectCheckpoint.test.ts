import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../runCli.js';
import type { InspectCheckpointJson } from './inspectCheckpoint.js';

const CK = fileURLToPath(new URL('../../../runtime/fixtures/checkpoints/', import.meta.url));
const IO = fileURLToPath(new URL('../../../io/fixtures/torch/', import.meta.url));

async function vit(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { writeOut: (s) => (out += s), writeErr: (s) => (err += s) });
  return { code, out, err };
}

describe('vit inspect-checkpoint', () => {
  it('prints family, config, ignored keys and preset of a MAE training checkpoint without building', async () => {
    const r = await vit('inspect-checkpoint', join(CK, 'mae-views', 'checkpoint-799.pth'), '--heads', '2');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/checkpoint-799\.pth: MAE ViT encoder \(torch\.save zip, entry 'model'\), family mae\n/);
    expect(r.out).toMatch(/ {2}ViT: dim 32, depth 2, heads 2, patch 8×8, input 32×32, 17 tokens \(1 prefix\), MLP 64 gelu, LayerNorm eps 0\.000001, no head/);
    expect(r.out).toMatch(/ {2}preprocessing mae: resize 36 bicubic, crop 32, mean 0\.485\/0\.456\/0\.406, std 0\.229\/0\.224\/0\.225 \(imagenet\)/);
    expect(r.out).toMatch(/decoder_pos_embed, decoder_embed\.weight, decoder_embed\.bias and 6 more: MAE decoder \(pretraining only\)/);
  });

  it('--json: one object', async () => {
    const r = await vit('inspect-checkpoint', join(CK, 'hf-clip'), '--json');
    expect(r.err).toBe('');
    const j = JSON.parse(r.out) as InspectCheckpointJson;
    expect(j).toMatchObject({ family: 'hf-clip', config: { mlpAct: 'quickGelu', layerNormEps: 1e-5, heads: 2, numClasses: 24, headBias: false }, preprocessing: { normalization: 'clip' } });
    expect(j.files.map((f) => f.split('/').pop())).toEqual(['model.safetensors', 'config.json']);
    expect(j.ignored.some((i) => i.key.startsWith('text_model.') && i.reason === 'CLIP text tower')).toBe(true);
  });

  it('bad input: one line, non-zero exit', async () => {
    const hostile = await vit('inspect-checkpoint', join(IO, 'system.pth'));
    expect(hostile.code).toBe(1);
    expect(hostile.err).toMatch(/^vit inspect-checkpoint: .*system\.pth: parseTorchCheckpoint refuses global (posix|os)\.system: [^\n]*\n$/);
    const legacy = await vit('inspect-checkpoint', join(IO, 'legacy.pth'));
    expect(legacy.err).toMatch(/legacy \(pre-1\.6\) torch\.save format.*_use_new_zipfile_serialization=True\)"\n$/);
    const fam = await vit('inspect-checkpoint', join(CK, 'timm'), '--family', 'vgg');
    expect(fam.err).toBe('vit inspect-checkpoint: `--family` of vit inspect-checkpoint must be one of timm, dino, mocov3, mae, beit, clip, dinov2, hf-vit, hf-deit, hf-dinov2, hf-clip, hf-beit, hf-vitmae. Got "vgg".\n');
  });
});
