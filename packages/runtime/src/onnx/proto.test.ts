import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { decodeModel, encodeModel, model, node, tensorProto, valueInfo, DataType, int64Tensor } from './proto.js';

describe('onnx proto', () => {
  it('builds a model that onnxruntime runs, and decodes it back', async () => {
    const g = {
      name: 'g',
      node: [
        node('MatMul', ['x', 'w'], ['y']),
        node('Reshape', ['y', 'shape'], ['z']),
      ],
      initializer: [tensorProto('w', Float32Array.from([1, 2, 3, 4]), [2, 2]), int64Tensor('shape', [4])],
      input: [valueInfo('x', DataType.FLOAT, ['batch', 2])],
      output: [valueInfo('z', DataType.FLOAT, [null])],
    };
    const bytes = encodeModel(model(g));
    const back = decodeModel(bytes);
    expect(back.graph!.node!.map((n) => n.opType)).toEqual(['MatMul', 'Reshape']);
    expect(back.graph!.initializer![0].dims).toEqual([2, 2]);
    expect(back.opsetImport![0].version).toBe(17);
    const s = await ort.InferenceSession.create(bytes);
    const out = await s.run({ x: new ort.Tensor('float32', Float32Array.from([1, 1, 0, 1]), [2, 2]) });
    expect(Array.from(out.z.data as Float32Array)).toEqual([4, 6, 3, 4]);
  });
  it('refuses bytes that are not a model', () => {
    expect(() => decodeModel(new Uint8Array([1, 2, 3, 4, 5]), 'x.onnx')).toThrow(/x\.onnx: not an ONNX model/);
  });
});
