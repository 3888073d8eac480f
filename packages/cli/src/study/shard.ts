// Shards of `vit study --shard k/N`: contiguous slices of every dataset, cut at whole batches.
import { VitValueError } from '@vit/io';

/** One shard of a study: the `k`-th (1-based) of `n`. A single run is shard 1 of 1. */
export interface Shard {
  k: number;
  n: number;
}

/**
 * The items `[start, end)` of shard `k` of `n` over `count` items: contiguous, with boundaries at
 * multiples of `batchSize` (so every batch of a single run is a batch of exactly one shard, and
 * per-batch statistics are the same). Shards past the last batch are empty.
 * @param count items of the dataset.
 * @param batchSize images per batch.
 * @param shard which shard.
 * @returns the slice.
 * @example shardRange(100, 8, { k: 2, n: 3 }) // { start: 32, end: 64 }
 */
export function shardRange(count: number, batchSize: number, shard: Shard): { start: number; end: number } {
  const batches = Math.ceil(count / batchSize);
  const b0 = Math.floor(((shard.k - 1) * batches) / shard.n);
  const b1 = Math.floor((shard.k * batches) / shard.n);
  return { start: Math.min(count, b0 * batchSize), end: Math.min(count, b1 * batchSize) };
}

/**
 * Parse `--shard k/N` (1-based k) or `--shard auto/N`: `auto` takes the 0-based index in
 * `JOB_COMPLETION_INDEX` (Kubernetes indexed jobs) or the 1-based `SLURM_ARRAY_TASK_ID`
 * (the `--array=1-N` of `vit study slurm`).
 * @param text the flag's value.
 * @param env the environment to read for `auto`.
 * @returns the shard.
 * @throws VitValueError naming the flag and what is allowed.
 * @example parseShard('2/4') // { k: 2, n: 4 }
 */
export function parseShard(text: string, env: NodeJS.ProcessEnv = process.env): Shard {
  const m = /^\s*(auto|\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new VitValueError(`\`--shard\` must be k/N (1 ≤ k ≤ N, e.g. 2/4) or auto/N. Got "${text}".`);
  const n = Number(m[2]);
  if (!Number.isSafeInteger(n) || n < 1) throw new VitValueError(`\`--shard\` needs N ≥ 1 shards. Got "${text}".`);
  let k: number;
  if (m[1] === 'auto') {
    const job = env.JOB_COMPLETION_INDEX;
    const slurm = env.SLURM_ARRAY_TASK_ID;
    if (job !== undefined && job !== '') {
      if (!/^\d+$/.test(job)) throw new VitValueError(`\`--shard auto/${n}\` needs JOB_COMPLETION_INDEX to be a 0-based index. Got "${job}".`);
      k = Number(job) + 1;
    } else if (slurm !== undefined && slurm !== '') {
      if (!/^\d+$/.test(slurm)) throw new VitValueError(`\`--shard auto/${n}\` needs SLURM_ARRAY_TASK_ID to be a 1-based index. Got "${slurm}".`);
      k = Number(slurm);
    } else {
      throw new VitValueError(
        `\`--shard auto/${n}\` reads the shard from JOB_COMPLETION_INDEX (0-based, Kubernetes indexed jobs) or SLURM_ARRAY_TASK_ID (1-based); neither is set. Pass --shard k/${n}.`,
      );
    }
  } else {
    k = Number(m[1]);
  }
  if (k < 1 || k > n) throw new VitValueError(`\`--shard\` must have 1 ≤ k ≤ N. Got shard ${k} of ${n}${m[1] === 'auto' ? ' (from the environment)' : ''}.`);
  return { k, n };
}
