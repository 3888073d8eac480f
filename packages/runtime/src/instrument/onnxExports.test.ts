// The graphs people get from today's exporters (tools/onnx-export-fixtures/make_fixtures.py: Hugging Face
// models with random weights, torch 2.13's dynamo exporter, external data, opset 23 Attention, com.microsoft
// attention) are inspected as they are and their taps, read through ViTSession's worker, match PyTorch eager.
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { readNpz, type Tensor } from '@vit/io';
import { decodeModel } from '../onnx/proto.js';
import { ViTSession } from '../session/ViTSession.js';
import { inspectModel } from './inspectModel.js';
import { fixtureDir, maxAbsDiff, rowSumError, type Expected } from './testFixtures.js';
import { TAP_NAMES } from './types.js';

const TOL = 1e-4;
const CASES: [family: string, variant: string][] = [
  ['vit', 'dynamo'],
  ['vit', 'dynbatch'],
  ['vit', 'opset23'],
  ['vit', 'msft-mha'],
  ['vit', 'msft-attention'],
  ['deit', 'dynamo'],
  ['deit', 'opset23'],
  ['dinov2reg', 'dynamo'],
  ['dinov2reg', 'opset23'],
  ['clip', 'dynamo'],
  ['clip', 'opset23'],
];
const dir = (family: string) => `${fixtureDir('onnx-export')}${family}/`;
const summary: string[] = [];
afterAll(() => {
  if (process.env.VIT_EXPORT_TABLE) console.log(`family | variant | inspect | fused | external data | max tap diff\n${summary.join('\n')}`);
});

describe.each(CASES)('%s exported as %s', (family, variant) => {
  const path = `${dir(family)}${variant}/model.onnx`;
  const expectedOf = () => JSON.parse(readFileSync(`${dir(family)}expected.json`, 'utf8')) as Expected;

  it('is inspected as it is, and every tap of every block matches PyTorch eager ≤ 1e-4 through ViTSession', async () => {
    const expected = expectedOf();
    const info = await inspectModel(path);
    const { layers, heads, dim, tokens, prefixTokens, grid, patch, imageSize } = info;
    expect({ layers, heads, dim, tokens, prefixTokens, grid, patch, imageSize }).toEqual({
      layers: expected.layers, heads: expected.heads, dim: expected.dim, tokens: expected.tokens,
      prefixTokens: expected.prefixTokens, grid: expected.grid, patch: expected.patch, imageSize: expected.imageSize,
    });
    expect(info.fused).toBe(variant !== 'dynamo' && variant !== 'dynbatch');
    expect(info.input.batch).toBe(variant === 'dynbatch' ? null : expected.batch);
    if (!info.fused) {
      // The SDPA decomposition guards the probabilities (Softmax → IsNaN → Where → MatMul): the tap is the
      // guarded tensor, the one the value product reads.
      const proto = decodeModel(new Uint8Array(readFileSync(path)));
      const producer = new Map(proto.graph!.node!.flatMap((n) => (n.output ?? []).map((o) => [o, n.opType] as const)));
      const guarded = proto.graph!.node!.some((n) => n.opType === 'IsNaN');
      for (const t of info.tensors.attention) expect(producer.get(t.name)).toBe(guarded ? 'Where' : 'Softmax');
    }
    const refs = (await readNpz(`${dir(family)}refs.npz`)) as Record<string, Tensor<Float32Array>>;
    const session = await ViTSession.create(path, { taps: TAP_NAMES, intraOpThreads: 1 });
    let worst = 0;
    try {
      const cap = await session.run(refs.input);
      for (const tap of TAP_NAMES) {
        for (let l = 1; l <= expected.layers; l++) {
          const d = maxAbsDiff(cap.taps[tap]![l - 1], refs[`${tap}-${l}`]);
          expect(d, `${tap} of block ${l}`).toBeLessThan(TOL);
          worst = Math.max(worst, d);
        }
      }
      for (const a of cap.taps.attention!) expect(rowSumError(a)).toBeLessThan(1e-5);
    } finally {
      await session.close();
    }
    summary.push(`${family} | ${variant} | ok | ${info.fused} | ${existsSync(`${path}.data`)} | ${worst.toExponential(1)}`);
  });
});
