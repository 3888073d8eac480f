import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tensor } from '@vit/io';
import { canonicalTaps } from './canonicalTaps.js';
import { inspectModel } from './inspectModel.js';
import { instrumentModel } from './instrumentModel.js';
import { fixtureExpected, fixtureModel, fixtureNpy, maxAbsDiff, rowSumError, runOnce } from './testFixtures.js';
import { TAP_NAMES } from './types.js';

// Each case is a tiny model written the way its family writes attention (see tools/runtime-fixtures/make_fixtures.py);
// `expected` and the .npy taps come from PyTorch itself for the fixed input `input.npy` ([2,3,h,w]).
const CASES: { name: string; what: string; attention: string; tokens: string; norm: string }[] = [
  { name: 'timm', what: 'timm: one qkv Linear, reshape/permute, q·kᵀ·scale; dynamic batch', attention: 'BHTT', tokens: 'BTD', norm: 'LayerNormalization' },
  { name: 'mha', what: 'torchvision nn.MultiheadAttention(batch_first): softmax [B·H,T,T]', attention: 'BH_TT', tokens: 'BTD', norm: 'LayerNormalization' },
  { name: 'hf', what: 'Hugging Face: separate q/k/v, /√d; decomposed LayerNorm (opset 14); static batch', attention: 'BHTT', tokens: 'BTD', norm: 'decomposed' },
  { name: 'dynamo', what: 'dynamo form: q and k both scaled by √scale from Shape/Cast/Sqrt', attention: 'BHTT', tokens: 'BTD', norm: 'LayerNormalization' },
  { name: 'clip', what: 'CLIP: sequence-first [T,B,D], class embedding, ln_pre', attention: 'BH_TT', tokens: 'TBD', norm: 'LayerNormalization' },
  { name: 'beit', what: 'BEiT: relative position bias before softmax, LayerScale', attention: 'BHTT', tokens: 'BTD', norm: 'LayerNormalization' },
  { name: 'registers', what: 'CLS + 4 registers (P = 5)', attention: 'BHTT', tokens: 'BTD', norm: 'LayerNormalization' },
  { name: 'gap', what: 'no CLS token (P = 0)', attention: 'BHTT', tokens: 'BTD', norm: 'LayerNormalization' },
  { name: 'nonsquare', what: 'non-square 24×32 input, static batch', attention: 'BHTT', tokens: 'BTD', norm: 'LayerNormalization' },
];

// float32 reference vs float32 onnxruntime on width-32 models: 1e-5 absolute.
const TOL = 1e-5;

describe.each(CASES)('$name — $what', ({ name, attention, tokens, norm }) => {
  it('inspectModel infers L, H, D, T, P, grid, patch, size and layouts', async () => {
    const e = fixtureExpected(name);
    const info = await inspectModel(fixtureModel(name));
    expect({
      layers: info.layers,
      heads: info.heads,
      dim: info.dim,
      tokens: info.tokens,
      prefixTokens: info.prefixTokens,
      grid: info.grid,
      patch: info.patch,
      imageSize: info.imageSize,
      batch: info.input.batch,
    }).toEqual(e);
    expect(info.tokens).toBe(info.prefixTokens + info.grid[0] * info.grid[1]);
    expect(info.fused).toBe(false);
    expect(info.norm).toBe(norm);
    expect(info.tensors.attention.every((t) => t.layout === attention)).toBe(true);
    expect(info.tensors.block.every((t) => t.layout === tokens)).toBe(true);
  });

  it('exposes every tap equal to PyTorch’s to 1e-5, attention rows summing to 1', async () => {
    const e = fixtureExpected(name);
    const x = await fixtureNpy(name, 'input.npy');
    const inst = await instrumentModel(new Uint8Array(readFileSync(fixtureModel(name))), { taps: [...TAP_NAMES] });
    expect(inst.outputs).toHaveLength(TAP_NAMES.length * e.layers);
    const raw = await runOnce(inst.bytes, inst.info.input.name, x);
    const taps = canonicalTaps(raw, inst.outputs, inst.info, x.shape[0]);
    for (const tap of TAP_NAMES) {
      expect(taps[tap]).toHaveLength(e.layers);
      for (let l = 1; l <= e.layers; l++) {
        const ref = await fixtureNpy(name, `${tap}-${l}.npy`);
        const got = taps[tap]![l - 1];
        expect(got.shape, `${tap}-${l}`).toEqual(tap === 'attention' ? [2, e.heads, e.tokens, e.tokens] : [2, e.tokens, e.dim]);
        expect(maxAbsDiff(got, ref), `${tap}-${l}`).toBeLessThan(TOL);
        if (tap === 'attention') expect(rowSumError(got)).toBeLessThan(1e-5);
      }
    }
  });

  it('cuts token taps to their CLS token inside the graph: [B,1,D] equal to token 0 of PyTorch’s', async () => {
    const e = fixtureExpected(name);
    const x = await fixtureNpy(name, 'input.npy');
    const tokenTaps = TAP_NAMES.filter((t) => t !== 'attention');
    const options = { taps: ['attention', ...tokenTaps] as const, tokens: Object.fromEntries(tokenTaps.map((t) => [t, 'cls' as const])) };
    const bytes = new Uint8Array(readFileSync(fixtureModel(name)));
    if (e.prefixTokens === 0) {
      await expect(instrumentModel(bytes, options)).rejects.toThrow(/has no CLS token \(no prefix tokens\); leave those taps 'all'/);
      return;
    }
    const inst = await instrumentModel(bytes, options);
    expect(inst.outputs.filter((o) => o.tokens === 'cls')).toHaveLength(tokenTaps.length * e.layers);
    const raw = await runOnce(inst.bytes, inst.info.input.name, x);
    const taps = canonicalTaps(raw, inst.outputs, inst.info, x.shape[0]);
    for (const tap of tokenTaps) {
      for (let l = 1; l <= e.layers; l++) {
        const ref = await fixtureNpy(name, `${tap}-${l}.npy`);
        const got = taps[tap]![l - 1];
        expect(got.shape, `${tap}-${l}`).toEqual([2, 1, e.dim]);
        const first = tensor(new Float32Array(2 * e.dim), [2, 1, e.dim]);
        for (let b = 0; b < 2; b++) first.data.set(ref.data.subarray(b * e.tokens * e.dim, b * e.tokens * e.dim + e.dim), b * e.dim);
        expect(maxAbsDiff(got, first), `${tap}-${l}`).toBeLessThan(TOL);
      }
    }
    // The attention tap is untouched.
    expect(maxAbsDiff(taps.attention![0], await fixtureNpy(name, 'attention-1.npy'))).toBeLessThan(TOL);
  });
});

describe('instrumentModel options', () => {
  it('taps only the selected layers, 1-based, negative from the end', async () => {
    const bytes = new Uint8Array(readFileSync(fixtureModel('timm')));
    const inst = await instrumentModel(bytes, { taps: ['attention'], layers: [1, -1] });
    expect(inst.outputs.map((o) => [o.tap, o.layer])).toEqual([
      ['attention', 1],
      ['attention', 3],
    ]);
    const x = await fixtureNpy('timm', 'input.npy');
    const taps = canonicalTaps(await runOnce(inst.bytes, 'pixels', x), inst.outputs, inst.info, 2);
    expect(maxAbsDiff(taps.attention![1], await fixtureNpy('timm', 'attention-3.npy'))).toBeLessThan(TOL);
    expect(taps.block).toBeUndefined();
  });

  it('shares one graph output between taps naming the same tensor (block l = attnSkip l+1)', async () => {
    const bytes = new Uint8Array(readFileSync(fixtureModel('timm')));
    const inst = await instrumentModel(bytes, { taps: ['block', 'attnSkip'] });
    expect(inst.info.tensors.block[0].name).toBe(inst.info.tensors.attnSkip[1].name);
  });

  it('rejects an unknown tap and a layer out of range', async () => {
    const bytes = new Uint8Array(readFileSync(fixtureModel('timm')));
    await expect(instrumentModel(bytes, { taps: ['keys' as never] })).rejects.toThrow(/`taps` of instrumentModel must be some of attention, block/);
    await expect(instrumentModel(bytes, { layers: [4] })).rejects.toThrow('layer 4 is out of range (1 to 3)');
  });

  it('rejects a CLS cut of attention, of a tap not requested, and an unknown token mode', async () => {
    const bytes = new Uint8Array(readFileSync(fixtureModel('timm')));
    await expect(instrumentModel(bytes, { taps: ['attention'], tokens: { attention: 'cls' } })).rejects.toThrow(/`tokens.attention` of instrumentModel must be 'all'/);
    await expect(instrumentModel(bytes, { taps: ['block'], tokens: { mlpSkip: 'cls' } })).rejects.toThrow(/names "mlpSkip", which is not one of the requested taps/);
    await expect(instrumentModel(bytes, { taps: ['block'], tokens: { block: 'mean' as never } })).rejects.toThrow(/`tokens.block` of instrumentModel must be 'all' or 'cls'/);
  });

  it('outputs a tensor both whole and as its CLS token when two taps ask for both (block l full, attnSkip l+1 cut)', async () => {
    const bytes = new Uint8Array(readFileSync(fixtureModel('timm')));
    const inst = await instrumentModel(bytes, { taps: ['block', 'attnSkip'], tokens: { attnSkip: 'cls' } });
    const x = await fixtureNpy('timm', 'input.npy');
    const taps = canonicalTaps(await runOnce(inst.bytes, 'pixels', x), inst.outputs, inst.info, 2);
    const [, T, D] = taps.block![0].shape;
    expect(taps.attnSkip![1].shape).toEqual([2, 1, D]);
    for (let b = 0; b < 2; b++) expect([...taps.attnSkip![1].data.subarray(b * D, (b + 1) * D)]).toEqual([...taps.block![0].data.subarray(b * T * D, b * T * D + D)]);
  });
});
