import type { Dataset, DatasetDescription, SkipReport } from '../types.js';
import type { Prng } from '@vit/io';

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

/** `k` distinct items of `items` drawn without replacement (partial Fisher–Yates), in draw order. */
export function sampleWithoutReplacement<T>(items: readonly T[], k: number, rng: Prng): T[] {
  const a = items.slice();
  const n = Math.min(k, a.length);
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(a.length - i);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a.slice(0, n);
}
