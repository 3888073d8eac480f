import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { DataType, encodeModel, model, node, valueInfo } from '../onnx/proto.js';
import { clsSliceNodes } from './clsSlice.js';
import { appendOutputs } from './appendOutputs.js';
import type { TensorLayout } from './types.js';

// A one-node graph (Identity) whose output plays the tapped tensor; the slice is appended the way
// instrumentModel appends it, and onnxruntime runs the result.
async function sliceOf(layout: TensorLayout, dims: number[], T: number, D: number): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const base = encodeModel(model({ name: 'g', node: [node('Identity', ['x'], ['t'])], input: [valueInfo('x', DataType.FLOAT, dims)], output: [valueInfo('t', DataType.FLOAT, dims)] }));
  const bytes = appendOutputs(base, [{ name: 'cls', elemType: DataType.FLOAT }], clsSliceNodes('t', layout, T, D, 'cls'));
  const session = await ort.InferenceSession.create(bytes);
  const n = dims.reduce((a, b) => a * b, 1);
  const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from({ length: n }, (_, i) => i), dims) });
  await session.release();
  return { data: out.cls.data as Float32Array, dims: out.cls.dims };
}

describe('clsSliceNodes', () => {
  // B = 2 images, T = 3 tokens, D = 4: values are their flat index in the tapped tensor.
  it('BTD [B,T,D] → [B,1,D], token 0 of each image', async () => {
    const r = await sliceOf('BTD', [2, 3, 4], 3, 4);
    expect(r.dims).toEqual([2, 1, 4]);
    expect([...r.data]).toEqual([0, 1, 2, 3, 12, 13, 14, 15]);
  });
  it('BT_D [B·T,D] → reshaped to [B,T,D] first', async () => {
    const r = await sliceOf('BT_D', [6, 4], 3, 4);
    expect(r.dims).toEqual([2, 1, 4]);
    expect([...r.data]).toEqual([0, 1, 2, 3, 12, 13, 14, 15]);
  });
  it('TBD [T,B,D] → [1,B,D], the same floats image-major', async () => {
    const r = await sliceOf('TBD', [3, 2, 4], 3, 4);
    expect(r.dims).toEqual([1, 2, 4]);
    expect([...r.data]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});
