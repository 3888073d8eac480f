import { VitValueError, assertTensor, shapeText, tensor } from '@vit/io';
import type { Matrix, Tensor, TypedArray } from '@vit/io';

/**
 * Copy (once) any numeric tensor into a C-contiguous Float32Array in its logical order.
 * Returns the tensor's own buffer (a subarray view) when it is already C-contiguous float32.
 */
export function denseData(x: Tensor<TypedArray>): Float32Array {
  const shape = x.shape;
  const n = shape.reduce((a, b) => a * b, 1);
  let contiguous = x.data instanceof Float32Array;
  let expect = 1;
  for (let a = shape.length - 1; a >= 0 && contiguous; a--) {
    if (shape[a] !== 1 && x.stride[a] !== expect) contiguous = false;
    expect *= shape[a];
  }
  if (contiguous) return (x.data as Float32Array).subarray(x.offset, x.offset + n);
  const out = new Float32Array(n);
  const src = x.data as unknown as ArrayLike<number>;
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let p = x.offset;
    for (let a = 0; a < rank; a++) p += idx[a] * x.stride[a];
    out[i] = src[p];
    for (let a = rank - 1; a >= 0; a--) {
      if (++idx[a] < shape[a]) break;
      idx[a] = 0;
    }
  }
  return out;
}

/**
 * L2-normalise every row of `data [n,d]` into a new array (rows of norm 0 stay 0), checking
 * that every value is finite. `what` names the argument in the error.
 */
export function normalizeRows(data: Float32Array, n: number, d: number, what: string, fn: string): Float32Array {
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    let s = 0;
    for (let j = 0; j < d; j++) s += data[o + j] * data[o + j];
    if (!Number.isFinite(s)) {
      for (let j = 0; j < d; j++) {
        if (!Number.isFinite(data[o + j])) {
          throw new VitValueError(`\`${what}\` of ${fn} contains ${data[o + j]} at row ${i}, column ${j}. Remove or repair non-finite values first.`, { code: 'VIT_NON_FINITE' });
        }
      }
    }
    if (s === 0) continue;
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < d; j++) out[o + j] = data[o + j] * inv;
  }
  return out;
}

/** Validate a 2-D feature tensor and return its L2-normalised rows as a contiguous matrix. */
export function normalizedMatrix(x: unknown, name: string, fn: string, cols?: number): { m: Matrix; n: number; d: number } {
  assertTensor(x, { name, fn, shape: [null, cols ?? null], shapeText: cols === undefined ? '[n,d]' : `[n,${cols}]` });
  const t = x as unknown as Tensor<TypedArray>;
  const [n, d] = t.shape;
  if (n === 0 || d === 0) throw new VitValueError(`\`${name}\` of ${fn} must not be empty. Got ${shapeText(t.shape)}.`, { code: 'VIT_EMPTY' });
  const data = normalizeRows(denseData(t), n, d, name, fn);
  return { m: tensor(data, [n, d]), n, d };
}

/** Validate integer class labels (non-negative, `< limit` when a limit is given); returns an Int32Array copy. */
export function labelArray(x: unknown, count: number, name: string, fn: string, limit?: number): Int32Array {
  const arr = x as ArrayLike<number>;
  if (!arr || typeof arr !== 'object' || typeof arr.length !== 'number') {
    throw new VitValueError(`\`${name}\` of ${fn} must be an array of integer class labels. Got ${x === null ? 'null' : typeof x}.`);
  }
  if (arr.length !== count) {
    throw new VitValueError(`\`${name}\` of ${fn} must have one label per feature row (${count}). Got ${arr.length} labels.`, { code: 'VIT_LENGTH_MISMATCH' });
  }
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = Number(arr[i]);
    if (!Number.isInteger(v) || v < 0 || (limit !== undefined && v >= limit)) {
      const range = limit === undefined ? 'a non-negative integer' : `an integer in [0, ${limit})`;
      throw new VitValueError(`\`${name}[${i}]\` of ${fn} must be ${range}. Got ${arr[i]}.`);
    }
    out[i] = v;
  }
  return out;
}

/** Throw unless `v` is a finite number > 0. */
export function positive(v: number, name: string, fn: string): number {
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) {
    throw new VitValueError(`\`${name}\` of ${fn} must be a finite number > 0. Got ${String(v)}.`);
  }
  return v;
}

/** Throw unless `v` is an integer ≥ `min`. */
export function integer(v: number, name: string, fn: string, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    throw new VitValueError(`\`${name}\` of ${fn} must be an integer ≥ ${min}. Got ${String(v)}.`);
  }
  return v;
}

/** Throw naming the first non-finite value of a 2-D tensor by row and column. */
export function checkFinite(x: Tensor<TypedArray>, name: string, fn: string): void {
  const data = denseData(x);
  const d = x.shape[1];
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new VitValueError(`\`${name}\` of ${fn} contains ${data[i]} at row ${Math.floor(i / d)}, column ${i % d}. Remove or repair non-finite values first.`, { code: 'VIT_NON_FINITE' });
    }
  }
}
