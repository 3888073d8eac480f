import type { Dataset, DatasetDescription, SkipReport } from '../types.js';

/** Collects skipped items by reason while a reader indexes a dataset. */
export class SkipLog {
  private readonly byReason = new Map<string, SkipReport>();
  add(reason: string, message: string, example: string): void {
    let r = this.byReason.get(reason);
    if (!r) {
      r = { reason, message, count: 0, examples: [] };
      this.byReason.set(reason, r);
    }
    r.count++;
    if (r.examples.length < 5) r.examples.push(example);
  }
  count(reason: string): number {
    return this.byReason.get(reason)?.count ?? 0;
  }
  reports(): SkipReport[] {
    return [...this.byReason.values()].map((r) => ({ ...r, examples: r.examples.slice() }));
  }
}

/** Builds the {@link Dataset} object every reader returns. */
export function makeDataset<S, D extends DatasetDescription = DatasetDescription>(
  name: string,
  samples: S[],
  describe: () => D,
  extra: object = {},
): Dataset<S> & { describe(): D } {
  const frozen = Object.freeze(samples.slice());
  const ds = {
    name,
    samples: frozen,
    size: frozen.length,
    describe,
    async *[Symbol.asyncIterator](): AsyncIterator<S> {
      for (const s of frozen) yield s;
    },
  };
  return Object.assign(ds, extra);
}

/** Deterministic 32-bit PRNG (mulberry32); `next()` is uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `k` distinct items of `items` drawn without replacement (partial Fisher–Yates), in draw order. */
export function sampleWithoutReplacement<T>(items: readonly T[], k: number, rand: () => number): T[] {
  const a = items.slice();
  const n = Math.min(k, a.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rand() * (a.length - i));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a.slice(0, n);
}
