import { describe, expect, it } from 'vitest';
import { contiguous } from './contiguous.js';
import { typedArrayFor, DTYPES } from './dtype.js';
import { VitValueError } from './errors.js';
import { fromTypedArray } from './fromTypedArray.js';
import { isContiguous } from './isContiguous.js';
import { permute } from './permute.js';
import { reshape } from './reshape.js';
import { slice } from './slice.js';
import { tensor, type Tensor, type TypedArray } from './tensor.js';
import { transpose } from './transpose.js';
import { zeros } from './zeros.js';

const iota = (shape: number[]) => tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i), shape);

/** Slow, obviously correct: read every element through ndarray.get in C order of the shape. */
function readAll(t: Tensor<TypedArray>): number[] {
  const out: number[] = [];
  const idx = new Array(t.shape.length).fill(0);
  const size = t.shape.reduce((a, b) => a * b, 1);
  for (let k = 0; k < size; k++) {
    out.push(Number(t.get(...idx)));
    for (let a = t.shape.length - 1; a >= 0; a--) {
      if (++idx[a] < t.shape[a]) break;
      idx[a] = 0;
    }
  }
  return out;
}

describe('zeros / typedArrayFor / fromTypedArray', () => {
  it('allocates the right typed array for every dtype', () => {
    const expected: Record<string, unknown> = {
      float32: Float32Array, float64: Float64Array, float16: Float32Array, int8: Int8Array, int16: Int16Array,
      int32: Int32Array, uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, int64: BigInt64Array,
      uint64: BigUint64Array, bool: Uint8Array,
    };
    for (const d of DTYPES) {
      const a = typedArrayFor(d, 3);
      expect(a.constructor, d).toBe(expected[d]);
      expect(a.length).toBe(3);
      const z = zeros([2, 2], d);
      expect(z.data.constructor, d).toBe(expected[d]);
      expect(z.shape).toEqual([2, 2]);
    }
    expect(zeros([2, 3]).data).toBeInstanceOf(Float32Array);
    expect(zeros([]).size).toBe(1);
    expect(zeros([0, 5]).data.length).toBe(0);
  });
  it('rejects bad shapes and dtypes with one clear line', () => {
    expect(() => zeros([2, -1])).toThrow(/`shape` of zeros must hold non-negative integers. Got \[2,-1\]/);
    expect(() => zeros([1.5])).toThrow(VitValueError);
    expect(() => typedArrayFor('complex64' as never, 2)).toThrow(/`dtype` of typedArrayFor must be one of/);
    expect(() => fromTypedArray(new Float32Array(5), [2, 3])).toThrow(/must hold product\(shape\) = 6 elements for shape \[2,3\]. Got 5/);
    expect(fromTypedArray(new Int16Array(6), [3, 2]).shape).toEqual([3, 2]);
  });
});

describe('reshape', () => {
  it('is a view of contiguous data, infers -1, and copies strided input', () => {
    const x = iota([2, 3, 4]);
    const r = reshape(x, [6, -1]);
    expect(r.shape).toEqual([6, 4]);
    expect(r.data).toBe(x.data);
    expect(readAll(r)).toEqual(readAll(x));
    const t = transpose(x); // [4,3,2], strided
    const rt = reshape(t, [4, 6]);
    expect(rt.data).not.toBe(x.data);
    expect(readAll(rt)).toEqual(readAll(t));
    // A view at an offset keeps its offset.
    const s = slice(x, [1]);
    const rs = reshape(s, [12]);
    expect(rs.data).toBe(x.data);
    expect(readAll(rs)).toEqual(Array.from({ length: 12 }, (_, i) => 12 + i));
  });
  it('rejects a different element count', () => {
    expect(() => reshape(iota([2, 3]), [4, 2])).toThrow(/must keep the element count 6 of \[2,3\]. Got \[4,2\]/);
    expect(() => reshape(iota([2, 3]), [-1, 4])).toThrow(/cannot infer -1/);
    expect(() => reshape(iota([2, 3]), [-1, -1])).toThrow(VitValueError);
  });
});

describe('permute / transpose', () => {
  it('are views whose elements match index arithmetic', () => {
    const x = iota([2, 3, 4]);
    const p = permute(x, [2, 0, 1]);
    expect(p.shape).toEqual([4, 2, 3]);
    expect(p.data).toBe(x.data);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 2; j++) for (let k = 0; k < 3; k++) expect(p.get(i, j, k)).toBe(x.get(j, k, i));
    const m = iota([2, 3]);
    const mt = transpose(m);
    expect(mt.shape).toEqual([3, 2]);
    expect(readAll(mt)).toEqual([0, 3, 1, 4, 2, 5]);
    expect(transpose(x, [0, 2, 1]).shape).toEqual([2, 4, 3]);
    expect(() => permute(x, [0, 0, 1])).toThrow(/`axes` of permute must be a permutation of 0..2. Got \[0,0,1\]/);
    expect(() => permute(x, [0, 1])).toThrow(VitValueError);
  });
});

describe('slice', () => {
  it('takes half-open ranges, steps, picks and negative indices as views', () => {
    const x = iota([3, 4, 5]);
    const s = slice(x, [[1, 3], null, [0, 5, 2]]);
    expect(s.shape).toEqual([2, 4, 3]);
    expect(s.data).toBe(x.data);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 4; j++) for (let k = 0; k < 3; k++) expect(s.get(i, j, k)).toBe(x.get(i + 1, j, 2 * k));
    const pick = slice(x, [-1, 2]);
    expect(pick.shape).toEqual([5]);
    expect(readAll(pick)).toEqual([50, 51, 52, 53, 54]);
    expect(slice(x, [null, [-2]]).shape).toEqual([3, 2, 5]);
    expect(slice(x, [[2, 1]]).shape).toEqual([0, 4, 5]); // empty range
    expect(slice(x, [[0, 99]]).shape).toEqual([3, 4, 5]); // clamped like Python
    expect(() => slice(x, [3])).toThrow(/`ranges\[0\]` of slice must be an index in \[-3, 3\). Got 3/);
    expect(() => slice(x, [[0, 2, 0]])).toThrow(/positive integer step/);
    expect(() => slice(x, [null, null, null, null])).toThrow(/at most 3 ranges/);
  });
});

describe('contiguous / isContiguous', () => {
  it('returns the same tensor, a subarray view, or a C-order copy', () => {
    const x = iota([2, 3, 4]);
    expect(isContiguous(x)).toBe(true);
    expect(contiguous(x)).toBe(x);
    const row = slice(x, [1]);
    expect(isContiguous(row)).toBe(true);
    const c = contiguous(row);
    expect(c.offset).toBe(0);
    expect(c.data.length).toBe(12);
    expect(c.data.buffer).toBe(x.data.buffer); // no copy
    expect(Array.from(c.data)).toEqual(readAll(row));
    const t = permute(x, [2, 0, 1]);
    expect(isContiguous(t)).toBe(false);
    const ct = contiguous(t);
    expect(isContiguous(ct)).toBe(true);
    expect(ct.data).toBeInstanceOf(Float32Array);
    expect(Array.from(ct.data)).toEqual(readAll(t));
    const stepped = slice(x, [null, [0, 3, 2], [1, 5, 3]]);
    expect(Array.from(contiguous(stepped).data)).toEqual(readAll(stepped));
  });
  it('keeps the typed-array type, bigint included, and handles 0-d, size-1 axes and empty tensors', () => {
    const b = tensor(BigInt64Array.from([1n, 2n, 3n, 4n, 5n, 6n]), [2, 3]);
    const bt = contiguous(transpose(b));
    expect(bt.data).toBeInstanceOf(BigInt64Array);
    expect(Array.from(bt.data)).toEqual([1n, 4n, 2n, 5n, 3n, 6n]);
    const s = tensor(new Float64Array([7]), []);
    expect(contiguous(s).data[0]).toBe(7);
    expect(isContiguous(tensor(new Float32Array(3), [3, 1]))).toBe(true);
    const e = zeros([0, 3]);
    expect(isContiguous(transpose(e))).toBe(true);
    expect(contiguous(transpose(e)).shape).toEqual([3, 0]);
    expect(() => contiguous({ data: [1, 2], shape: [2], stride: [1], offset: 0 } as never)).toThrow(/typed array/);
  });
  it('copies across 32×32 tile edges correctly', () => {
    const x = iota([3, 70, 45]);
    for (const axes of [[2, 0, 1], [0, 2, 1], [1, 2, 0]]) {
      const p = permute(x, axes);
      expect(Array.from(contiguous(p).data), axes.join()).toEqual(readAll(p));
    }
    const m = slice(transpose(iota([100, 33])), [[1, 33], [3, 99, 2]]);
    expect(Array.from(contiguous(m).data)).toEqual(readAll(m));
  });
  it('agrees with the slow reader on random permutations and slices', () => {
    let seed = 1;
    const rnd = (n: number) => ((seed = (seed * 16807) % 2147483647) % n);
    for (let trial = 0; trial < 50; trial++) {
      const rank = 1 + rnd(4);
      const shape = Array.from({ length: rank }, () => 1 + rnd(4));
      const x = iota(shape);
      const axes = shape.map((_, i) => i).sort(() => rnd(3) - 1);
      const ranges = shape.map((n) => [rnd(n), n, 1 + rnd(2)] as const);
      const v = slice(permute(x, axes), ranges.map((r, i) => [Math.min(r[0], shape[axes[i]] - 1), shape[axes[i]], r[2]] as const));
      expect(Array.from(contiguous(v).data)).toEqual(readAll(v));
    }
  });
});
