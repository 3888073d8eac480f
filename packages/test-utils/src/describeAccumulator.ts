import { describe, expect, it } from 'vitest';
import type { Accumulator, AccumulatorRestoreOptions } from '@vit/io';

export interface AccumulatorContract<In, Out> {
  /** A fresh accumulator with fixed options. */
  make: () => Accumulator<In, Out | Promise<Out>>;
  /**
   * Restore from `toJSON()` output: the class's static `fromJSON(json, options?)`. The suite
   * calls it with and without the second argument (`{}`), which every accumulator accepts.
   */
  fromJSON: (json: unknown, options?: AccumulatorRestoreOptions) => Accumulator<In, Out | Promise<Out>>;
  /** At least two batches with the same trailing shape; merged halves must equal one pass. */
  batches: () => In[];
  /** A batch whose shape differs from `batches()` so that `update` must throw. */
  badBatch: () => In;
  /** Flatten a result to numbers for comparison. */
  numbers: (out: Out) => number[];
  /** Absolute tolerance for merge-vs-single-pass comparisons. @default 1e-5 */
  tolerance?: number;
}

/** Resolves when `f` throws or rejects; fails the test otherwise. */
async function throwsOrRejects(f: () => unknown): Promise<void> {
  let threw = false;
  try {
    await f();
  } catch {
    threw = true;
  }
  expect(threw, 'expected a throw or a rejection').toBe(true);
}

/**
 * The contract every accumulator keeps (CONTRIBUTING "Accumulators", from scikit-learn):
 * `update` and `merge` return `this`; `merge` of two shards equals one pass over both;
 * `result()` is pure and repeatable (it may be asynchronous); `toJSON()` is
 * `{ kind, version, options, state, seen }` and round-trips through JSON text via
 * `fromJSON(json, options?)`; a shape change throws; `result()` before any update throws
 * (or rejects); `reset()` clears the state.
 */
export function describeAccumulator<In, Out>(name: string, c: AccumulatorContract<In, Out>): void {
  const tol = c.tolerance ?? 1e-5;
  const result = async (acc: Accumulator<In, Out | Promise<Out>>) => c.numbers(await acc.result());
  describe(`${name} (accumulator contract)`, () => {
    it('update returns this', () => {
      const acc = c.make();
      expect(acc.update(c.batches()[0])).toBe(acc);
    });

    it('merge of shards equals one pass over all batches', async () => {
      const bs = c.batches();
      const one = c.make();
      for (const b of bs) one.update(b);
      const a = c.make();
      const b = c.make();
      bs.forEach((x, i) => (i % 2 === 0 ? a : b).update(x));
      expect(a.merge(b)).toBe(a);
      expect(a.seen).toBe(one.seen);
      expect(await result(a)).toBeDeepCloseTo(await result(one), tol);
    });

    it('result() is pure and repeatable', async () => {
      const acc = c.make();
      for (const b of c.batches()) acc.update(b);
      const first = await result(acc);
      expect(await result(acc)).toBeDeepCloseTo(first, 0);
    });

    it('toJSON is { kind, version, options, state, seen } and round-trips through JSON text via fromJSON(json, options?)', async () => {
      const bs = c.batches();
      const acc = c.make();
      acc.update(bs[0]);
      const json = acc.toJSON();
      expect(Object.keys(json).sort()).toEqual(['kind', 'options', 'seen', 'state', 'version']);
      expect(typeof json.kind).toBe('string');
      expect(Number.isInteger(json.version)).toBe(true);
      const text = JSON.stringify(json);
      const restored = c.fromJSON(JSON.parse(text));
      const restored2 = c.fromJSON(JSON.parse(text), {});
      expect(restored.seen).toBe(acc.seen);
      expect(JSON.stringify(restored.toJSON())).toBe(text);
      for (const b of bs.slice(1)) {
        acc.update(b);
        restored.update(b);
        restored2.update(b);
      }
      const want = await result(acc);
      expect(await result(restored)).toBeDeepCloseTo(want, tol);
      expect(await result(restored2)).toBeDeepCloseTo(want, tol);
    });

    it('a shape change between updates throws', () => {
      const acc = c.make();
      acc.update(c.batches()[0]);
      expect(() => acc.update(c.badBatch())).toThrow();
    });

    it('result() before any update throws', async () => {
      await throwsOrRejects(() => c.make().result());
    });

    it('reset() clears the state', async () => {
      const acc = c.make();
      acc.update(c.batches()[0]);
      expect(acc.reset()).toBe(acc);
      expect(acc.seen).toBe(0);
      await throwsOrRejects(() => acc.result());
    });
  });
}
