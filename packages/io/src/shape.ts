import { VitValueError } from './errors.js';

/** Check a shape (non-negative safe integers) and return its element count. Internal. */
export function checkShape(shape: unknown, name: string, fn: string): number {
  if (!Array.isArray(shape)) throw new VitValueError(`\`${name}\` of ${fn} must be an array of sizes. Got ${typeof shape}.`);
  let n = 1;
  for (const s of shape) {
    if (!Number.isSafeInteger(s) || (s as number) < 0) {
      throw new VitValueError(`\`${name}\` of ${fn} must hold non-negative integers. Got [${shape.join(',')}].`);
    }
    n *= s as number;
  }
  if (!Number.isSafeInteger(n)) throw new VitValueError(`\`${name}\` of ${fn} has too many elements: [${shape.join(',')}].`);
  return n;
}

/** Row-major (C-order) strides of a shape. Internal. */
export function cStrides(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = s;
    s *= shape[i];
  }
  return st;
}
