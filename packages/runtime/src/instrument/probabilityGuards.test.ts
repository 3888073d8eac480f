import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DataType, decodeModel, encodeModel, node, tensorProto } from '../onnx/proto.js';
import { canonicalTaps } from './canonicalTaps.js';
import { inspectModel } from './inspectModel.js';
import { instrumentModel } from './instrumentModel.js';
import { fixtureModel, fixtureNpy, maxAbsDiff, runOnce } from './testFixtures.js';

// Planted structure: between each Softmax and its value MatMul of the timm fixture, insert what exporters
// put there — Dropout (eval), Identity, a Cast to float32 and the SDPA NaN guard Where(IsNaN(p), 0, p) —
// then the attention is still found, the tap is the tensor the value product reads, and the taps still
// equal PyTorch's (the guards preserve values).
function guarded(): { bytes: Uint8Array; guards: string[] } {
  const m = decodeModel(new Uint8Array(readFileSync(fixtureModel('timm'))));
  const g = m.graph!;
  const nodes = g.node!;
  const guards: string[] = [];
  g.initializer!.push(tensorProto('guard/zero', Float32Array.of(0), []));
  for (const s of nodes.filter((n) => n.opType === 'Softmax')) {
    const p = s.output![0];
    const av = nodes.find((n) => n.opType === 'MatMul' && n.input![0] === p)!;
    const k = guards.length;
    const chain = [
      node('Dropout', [p], [`guard${k}/dropout`]),
      node('Identity', [`guard${k}/dropout`], [`guard${k}/identity`]),
      node('Cast', [`guard${k}/identity`], [`guard${k}/cast`], { to: DataType.FLOAT }),
      node('IsNaN', [`guard${k}/cast`], [`guard${k}/isnan`]),
      node('Where', [`guard${k}/isnan`, 'guard/zero', `guard${k}/cast`], [`guard${k}/where`]),
    ];
    nodes.splice(nodes.indexOf(av), 0, ...chain);
    av.input![0] = `guard${k}/where`;
    guards.push(`guard${k}/where`);
  }
  return { bytes: encodeModel(m), guards };
}

describe('value-preserving guards between Softmax and the value product', () => {
  it('taps the guarded probabilities, equal to PyTorch’s to 1e-5', async () => {
    const { bytes, guards } = guarded();
    const info = await inspectModel(bytes);
    expect(info.layers).toBe(3);
    expect(info.tensors.attention.map((t) => t.name)).toEqual(guards);
    const { bytes: tapped, outputs } = await instrumentModel(bytes, { taps: ['attention', 'block'], info });
    const x = await fixtureNpy('timm', 'input.npy');
    const taps = canonicalTaps(await runOnce(tapped, info.input.name, x), outputs, info, 2);
    for (let l = 1; l <= 3; l++) {
      expect(maxAbsDiff(taps.attention![l - 1], await fixtureNpy('timm', `attention-${l}.npy`))).toBeLessThan(1e-5);
      expect(maxAbsDiff(taps.block![l - 1], await fixtureNpy('timm', `block-${l}.npy`))).toBeLessThan(1e-5);
    }
  });

  it('stops at a guard that changes values (a Where that replaces more than NaNs)', async () => {
    const { bytes } = guarded();
    const m = decodeModel(bytes);
    for (const n of m.graph!.node!) if (n.opType === 'IsNaN') n.opType = 'Not'; // not a NaN test any more
    const cast = m.graph!.node!.filter((n) => n.opType === 'Not');
    for (const n of cast) n.input = [n.input![0].replace('/cast', '/isnan_in')];
    // Feed the Not a boolean: p > 0.5.
    for (const [k, n] of cast.entries()) {
      m.graph!.node!.splice(m.graph!.node!.indexOf(n), 0, node('Greater', [`guard${k}/cast`, 'guard/half'], [`guard${k}/isnan_in`]));
    }
    m.graph!.initializer!.push(tensorProto('guard/half', Float32Array.of(0.5), []));
    const info = await inspectModel(encodeModel(m));
    expect(info.tensors.attention.every((t) => t.name.endsWith('/cast'))).toBe(true);
  });
});
