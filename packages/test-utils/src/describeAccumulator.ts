import { describe, expect, it } from 'vitest';
import type { AccumulatorJSON } from '@vit/io';

/**
 * What the contract needs of an accumulator: the `Accumulator` of `@vit/io`, where `update`
 * may also return a promise of `this` (accumulators whose arithmetic runs on an async
 * numeric backend, e.g. `KnnIndex` of `@vit/tasks`).
 */
export interface AccumulatorUnderTest<In, Out> {
  update(input: In): unknown;
  merge(other: never): unknown;
  result(): Out;
  reset(): unknown;
  toJSON(): AccumulatorJSON<unknown, unknown>;
  readonly seen: number;
}

export interface AccumulatorContract<In, Out> {
  /** A fresh accumulator with fixed options. */
  make: () => AccumulatorUnderTest<In, Out>;
  /** Restore from `toJSON()` output (the class's static `fromJSON`). */
  fromJSON: (json: unknown) => AccumulatorUnderTest<In, Out>;
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
 * `this` (or a promise of it); `merge` of two shards equals one pass over both; `result()` is
 * repeatable; `toJSON` round-trips through JSON text; a shape change throws (or rejects);
 * `result()` before any update throws.
 */
export function describeAccumulator<In, Out>(name: string, c: AccumulatorContract<In, Out>): void {
  const tol = c.tolerance ?? 1e-5;
  const update = async (acc: AccumulatorUnderTest<In, Out>, x: In) => acc.update(x);
  describe(`${name} (accumulator contract)`, () => {
    it('update returns this', async () => {
      const acc = c.make();
      expect(await update(acc, c.batches()[0])).toBe(acc);
    });

    it('merge of shards equals one pass over all batches', async () => {
      const bs = c.batches();
      const one = c.make();
      for (const b of bs) await update(one, b);
      const a = c.make();
      const b = c.make();
      for (let i = 0; i < bs.length; i++) await update(i % 2 === 0 ? a : b, bs[i]);
      expect(await a.merge(b as never)).toBe(a);
      expect(a.seen).toBe(one.seen);
      expect(c.numbers(a.result())).toBeDeepCloseTo(c.numbers(one.result()), tol);
    });

    it('result() is pure and repeatable', async () => {
      const acc = c.make();
      for (const b of c.batches()) await update(acc, b);
      const first = c.numbers(acc.result());
      expect(c.numbers(acc.result())).toBeDeepCloseTo(first, 0);
    });

    it('toJSON round-trips through JSON text and can keep accumulating', async () => {
      const bs = c.batches();
      const acc = c.make();
      await update(acc, bs[0]);
      const restored = c.fromJSON(JSON.parse(JSON.stringify(acc.toJSON())));
      expect(restored.seen).toBe(acc.seen);
      for (const b of bs.slice(1)) {
        await update(acc, b);
        await update(restored, b);
      }
      expect(c.numbers(restored.result())).toBeDeepCloseTo(c.numbers(acc.result()), tol);
    });

    it('a shape change between updates throws', async () => {
      const acc = c.make();
      await update(acc, c.batches()[0]);
      await expect(update(acc, c.badBatch())).rejects.toThrow();
    });

    it('result() before any update throws', () => {
      expect(() => c.make().result()).toThrow();
    });

    it('reset() clears the state', async () => {
      const acc = c.make();
      await update(acc, c.batches()[0]);
      expect(await acc.reset()).toBe(acc);
      expect(acc.seen).toBe(0);
      expect(() => acc.result()).toThrow();
    });
  });
}
