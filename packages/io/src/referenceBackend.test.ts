import { describe, expect, it } from 'vitest';
import { referenceBackend as B } from './referenceBackend.js';
import { tensor } from './tensor.js';

const m = (rows: number[][]) => tensor(Float32Array.from(rows.flat()), [rows.length, rows[0].length]);

describe('referenceBackend', () => {
  it('matmul by hand, with transposes', async () => {
    const a = m([[1, 2], [3, 4]]);
    const b = m([[5, 6], [7, 8]]);
    expect((await B.matmul(a, b)).data).toBeDeepCloseTo([19, 22, 43, 50], 0);
    expect((await B.matmul(a, b, { transA: true })).data).toBeDeepCloseTo([26, 30, 38, 44], 0);
    expect((await B.matmul(a, b, { transB: true })).data).toBeDeepCloseTo([17, 23, 39, 53], 0);
  });
  it('matmul on a strided (transposed) view equals transA', async () => {
    const a = m([[1, 2, 3], [4, 5, 6]]);
    const b = m([[1, 0], [0, 1]]);
    const viaView = await B.matmul(a.transpose(1, 0), b);
    expect(viaView.shape).toEqual([3, 2]);
    expect(viaView.data).toBeDeepCloseTo([1, 4, 2, 5, 3, 6], 0);
  });
  it('rejects mismatched inner dimensions', async () => {
    await expect(B.matmul(m([[1, 2]]), m([[1, 2]]))).rejects.toThrow(/inner dimensions/);
  });
  it('gram, rowNorms', async () => {
    const x = m([[3, 4], [1, 0]]);
    expect((await B.gram(x)).data).toBeDeepCloseTo([25, 3, 3, 1], 0);
    expect(await B.rowNorms(x)).toBeDeepCloseTo([5, 1], 1e-7);
  });
  it('topk largest/smallest with ties to the lower index', async () => {
    const x = m([[1, 3, 3, 0], [5, -1, 2, 2]]);
    const hi = await B.topk(x, 2);
    expect(Array.from(hi.indices)).toEqual([1, 2, 0, 2]);
    expect(hi.values.data).toBeDeepCloseTo([3, 3, 5, 2], 0);
    const lo = await B.topk(x, 3, { largest: false });
    expect(Array.from(lo.indices)).toEqual([3, 0, 1, 1, 2, 3]);
  });
  it('argmin/argmax/nearest', async () => {
    const x = m([[1, 3, 0, 0], [5, -1, 7, 7]]);
    expect(Array.from(await B.argmin(x))).toEqual([2, 1]);
    expect(Array.from(await B.argmax(x))).toEqual([1, 2]);
    const near = await B.nearest(m([[0, 0], [9, 9]]), m([[1, 1], [10, 10]]));
    expect(Array.from(near.index)).toEqual([0, 1]);
    expect(near.distance).toBeDeepCloseTo([2, 2], 0);
  });
});
