import type { Tensor, TypedArray } from '@vit/io';
import type { FeatureBatch } from './input.js';

/**
 * The one helper behind every per-layer driver: feed the inputs to the driver's accumulator in
 * order (awaiting each update) and return its result.
 */
export async function drive<I, R>(acc: { update(input: I): unknown; result(): R }, inputs: Iterable<I> | AsyncIterable<I>): Promise<R> {
  for await (const x of inputs) await acc.update(x);
  return acc.result();
}

/** Item-major per-layer rows `[n,d]` (and their labels) in chunks of `chunk` rows, as update batches. */
export function* rowChunks(list: readonly Tensor<TypedArray>[], labels: Int32Array | undefined, n: number, chunk: number): Generator<FeatureBatch> {
  for (let s = 0; s < n; s += chunk) {
    const e = Math.min(n, s + chunk);
    yield {
      features: list.map((t) => t.hi(e, t.shape[1]).lo(s, 0) as unknown as Tensor),
      labels: labels?.subarray(s, e),
    };
  }
}
