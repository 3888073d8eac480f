import { describe, expect, it } from 'vitest';
import type { Accumulator } from '@vit/io';

export interface AccumulatorContract<In, Out> {
  /** A fresh accumulator with fixed options. */
  make: () => Accumulator<In, Out>;
  /** Restore from `toJSON()` output (the class's static `fromJSON`). */
  fromJSON: (json: unknown) => Accumulator<In, Out>;
  /** At least two batches with the same trailing shape; merged halves must equal one pass. */
  batches: () => In[];
  /** A batch whose shape differs from `batches()` so that `update` must throw. */
  badBatch: () => In;
  /** Flatten a result to numbers for comparison. */
  numbers: (out: Out) => number[];
  /** Absolute tolerance for merge-vs-single-pass comparisons. @default 1e-5 */
  tolerance?: number;
}

/**
 * The contract every accumulator keeps (STYLE.md, from scikit-learn): `update` returns
 * `this`; `merge` of two shards equals one pass over both; `result()` is repeatable;
 * `toJSON` round-trips through JSON text; a shape change throws; `result()` before any
 * update throws.
 */
export function describeAccumulator<In, Out>(name: string, c: AccumulatorContract<In, Out>): void {
  const tol = c.tolerance ?? 1e-5;
  describe(`${name} (accumulator contract)`, () => {
    it('update returns this', () => {
      const acc = c.make();
      expect(acc.update(c.batches()[0])).toBe(acc);
    });

    it('merge of shards equals one pass over all batches', () => {
      const bs = c.batches();
      const one = c.make();
      for (const b of bs) one.update(b);
      const a = c.make();
      const b = c.make();
      bs.forEach((x, i) => (i % 2 === 0 ? a : b).update(x));
      expect(a.merge(b)).toBe(a);
      expect(a.seen).toBe(one.seen);
      expect(c.numbers(a.result())).toBeDeepCloseTo(c.numbers(one.result()), tol);
    });

    it('result() is pure and repeatable', () => {
      const acc = c.make();
      for (const b of c.batches()) acc.update(b);
      const first = c.numbers(acc.result());
      expect(c.numbers(acc.result())).toBeDeepCloseTo(first, 0);
    });

    it('toJSON round-trips through JSON text and can keep accumulating', () => {
      const bs = c.batches();
      const acc = c.make();
      acc.update(bs[0]);
      const restored = c.fromJSON(JSON.parse(JSON.stringify(acc.toJSON())));
      expect(restored.seen).toBe(acc.seen);
      for (const b of bs.slice(1)) {
        acc.update(b);
        restored.update(b);
      }
      expect(c.numbers(restored.result())).toBeDeepCloseTo(c.numbers(acc.result()), tol);
    });

    it('a shape change between updates throws', () => {
      const acc = c.make();
      acc.update(c.batches()[0]);
      expect(() => acc.update(c.badBatch())).toThrow();
    });

    it('result() before any update throws', () => {
      expect(() => c.make().result()).toThrow();
    });

    it('reset() clears the state', () => {
      const acc = c.make();
      acc.update(c.batches()[0]);
      expect(acc.reset()).toBe(acc);
      expect(acc.seen).toBe(0);
      expect(() => acc.result()).toThrow();
    });
  });
}
