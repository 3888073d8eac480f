import type { Tensor } from '@vit/io';
import { MinibatchCKA } from './MinibatchCKAAccumulator.js';
import type { MinibatchCKAOptions } from './MinibatchCKAAccumulator.js';

/** One batch of residual taps: per layer `[B,T,D]` skip inputs and branch outputs of the same residual add. */
export interface ResidualBatch {
  /** `attnSkip` (or `mlpSkip`) taps, one per layer. */
  skip: Tensor[];
  /** `attnBranch` (or `mlpBranch`) taps, same layers, same images. */
  branch: Tensor[];
}

export interface ResidualCKAResult {
  /** `[L,L]`: row = skip of layer i, column = branch of layer j (the paper's residual figure). */
  matrix: Tensor;
  /** `[L]`: CKA between the skip and the branch of the same residual add, layer `l` at index `l−1`. */
  diagonal: Float32Array;
  /** Images seen. */
  seen: number;
}

/**
 * Residual CKA (SPEC 8): minibatch CKA between the skip input and the branch output of every
 * attention (or MLP) residual add, over a stream of batches. A thin wrapper over
 * {@link MinibatchCKA} with the skip taps as model A and the branch taps as model B; Gram
 * matrices go through `options.backend`.
 *
 * @param batches an iterable or async iterable of `{ skip, branch }` per-layer `[B,T,D]` taps.
 * @param options the {@link MinibatchCKAOptions} (token mode, batch size, backend, …).
 * @returns the `[L,L]` matrix and its diagonal.
 * @throws VitValueError as {@link MinibatchCKA} does (shapes, NaN, different layer counts …).
 * @example
 * const r = await residualCKA(captures.map((c) => ({ skip: c.taps.attnSkip, branch: c.taps.attnBranch })));
 * r.diagonal; // per layer
 */
export async function residualCKA(
  batches: Iterable<ResidualBatch> | AsyncIterable<ResidualBatch>,
  options: MinibatchCKAOptions = {},
): Promise<ResidualCKAResult> {
  const acc = new MinibatchCKA(options);
  for await (const b of batches) await acc.updateAsync(b.skip, b.branch);
  const matrix = acc.result();
  const [la, lb] = matrix.shape;
  const L = Math.min(la, lb);
  const diagonal = new Float32Array(L);
  for (let l = 0; l < L; l++) diagonal[l] = matrix.data[l * lb + l];
  return { matrix, diagonal, seen: acc.seen };
}
