import { expect } from 'vitest';

type Numeric = number | ArrayLike<number> | NumericTree[];
interface NumericTree extends Array<Numeric> {}

function flatten(value: unknown, out: number[]): boolean {
  if (typeof value === 'number') {
    out.push(value);
    return true;
  }
  if (typeof value === 'bigint') {
    out.push(Number(value));
    return true;
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const arr = value as unknown as ArrayLike<number>;
    for (let i = 0; i < arr.length; i++) out.push(Number(arr[i]));
    return true;
  }
  if (Array.isArray(value)) return value.every((v) => flatten(v, out));
  return false;
}

/**
 * `expect(actual).toBeDeepCloseTo(expected, tol)`: element-wise |a - e| <= tol (absolute),
 * over numbers, typed arrays and nested arrays of the same length. NaN equals NaN.
 */
expect.extend({
  toBeDeepCloseTo(received: unknown, expected: Numeric, tolerance = 1e-6) {
    const a: number[] = [];
    const e: number[] = [];
    if (!flatten(received, a) || !flatten(expected, e)) {
      return { pass: false, message: () => 'toBeDeepCloseTo: values must be numbers, typed arrays or nested arrays' };
    }
    if (a.length !== e.length) {
      return { pass: false, message: () => `toBeDeepCloseTo: length ${a.length} differs from expected ${e.length}` };
    }
    let worst = -1;
    let worstDiff = 0;
    for (let i = 0; i < a.length; i++) {
      const same = Number.isNaN(a[i]) && Number.isNaN(e[i]);
      const diff = same ? 0 : a[i] === e[i] ? 0 : Math.abs(a[i] - e[i]);
      if (!(diff <= tolerance) && (worst < 0 || !(diff <= worstDiff))) {
        worst = i;
        worstDiff = diff;
      }
    }
    const pass = worst < 0;
    return {
      pass,
      message: () =>
        pass
          ? `expected values not to be within ${tolerance}`
          : `element ${worst}: ${a[worst]} vs expected ${e[worst]} (|diff| = ${worstDiff} > tolerance ${tolerance})`,
    };
  },
});

declare module 'vitest' {
  interface Assertion<T = any> {
    toBeDeepCloseTo(expected: Numeric, tolerance?: number): T;
  }
  interface AsymmetricMatchersContaining {
    toBeDeepCloseTo(expected: Numeric, tolerance?: number): unknown;
  }
}
