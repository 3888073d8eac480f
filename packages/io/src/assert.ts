import { VitValueError } from './errors.js';
import type { DType, Tensor, TypedArray } from './tensor.js';
import type { Data } from 'ndarray';

export interface AssertTensorOptions {
  /** The argument's name, e.g. `"att"`. */
  name: string;
  /** The public function or method checking it, e.g. `"alignedAttention"`. */
  fn: string;
  /** Expected shape; `null` = any size on that axis. The rank must match. */
  shape?: readonly (number | null)[];
  /** Human text for the expected shape, e.g. `"[B,H,T,T] with T = prefix + gh·gw = 197"`. */
  shapeText?: string;
  /** Expected element type. */
  dtype?: DType;
}

const dtypeOfData: [new (...a: never[]) => unknown, DType][] = [
  [Float32Array, 'float32'],
  [Float64Array, 'float64'],
  [Int8Array, 'int8'],
  [Int16Array, 'int16'],
  [Int32Array, 'int32'],
  [Uint8Array, 'uint8'],
  [Uint8ClampedArray, 'uint8'],
  [Uint16Array, 'uint16'],
  [Uint32Array, 'uint32'],
  [BigInt64Array, 'int64'],
  [BigUint64Array, 'uint64'],
];

/** The element type of a tensor's typed array (`undefined` for plain arrays). */
export function dtypeOf(t: Tensor<Data>): DType | undefined {
  for (const [ctor, dt] of dtypeOfData) if (t.data instanceof ctor) return dt;
  return undefined;
}

export function shapeText(shape: readonly (number | null)[]): string {
  return `[${shape.map((s) => (s === null ? '*' : String(s))).join(',')}]`;
}

/**
 * Throws a {@link VitValueError} naming the argument and function unless `x` is an ndarray
 * of the expected rank, shape and dtype.
 * @example assertTensor(att, { name: 'att', fn: 'alignedAttention', shape: [null, null, 197, 197] })
 */
export function assertTensor<T extends Data = Float32Array>(x: unknown, o: AssertTensorOptions & { dtype?: DType }): asserts x is Tensor<T> {
  const t = x as Tensor<Data>;
  if (!t || typeof t !== 'object' || !Array.isArray(t.shape) || t.data === undefined) {
    throw new VitValueError(`\`${o.name}\` of ${o.fn} must be an ndarray tensor. Got ${describe(x)}.`);
  }
  if (o.shape) {
    const ok = t.shape.length === o.shape.length && o.shape.every((s, i) => s === null || s === t.shape[i]);
    if (!ok) {
      throw new VitValueError(
        `\`${o.name}\` of ${o.fn} must have shape ${o.shapeText ?? shapeText(o.shape)}. Got ${shapeText(t.shape)}.`,
      );
    }
  }
  if (o.dtype) {
    const dt = dtypeOf(t);
    if (dt !== o.dtype) throw new VitValueError(`\`${o.name}\` of ${o.fn} must be ${o.dtype}. Got ${dt ?? 'a plain array'}.`);
  }
}

/**
 * Throws naming the first non-finite element (as a multi-index) of a C-contiguous tensor.
 * @param what e.g. `"features of layer 3"`.
 */
export function assertFinite(t: Tensor<TypedArray>, name: string, fn: string): void {
  const d = t.data as unknown as ArrayLike<number>;
  const start = t.offset;
  const n = t.size;
  for (let i = 0; i < n; i++) {
    const v = d[start + i];
    if (!Number.isFinite(v)) {
      const idx: number[] = [];
      let r = i;
      for (let a = t.shape.length - 1; a >= 0; a--) {
        idx.unshift(r % t.shape[a]);
        r = Math.floor(r / t.shape[a]);
      }
      throw new VitValueError(`\`${name}\` of ${fn} contains ${v} at [${idx.join(',')}]. Remove or repair non-finite values first.`);
    }
  }
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return `a plain array of length ${x.length}`;
  return typeof x;
}
