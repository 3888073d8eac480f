import { describe, expect, it } from 'vitest';
import { parseShard, shardRange } from './shard.js';

describe('shards', () => {
  it('cuts contiguous slices at whole batches that cover every item exactly once', () => {
    for (const [count, B, n] of [
      [100, 8, 3],
      [22, 4, 3],
      [5, 4, 4],
      [0, 4, 2],
      [64, 32, 1],
      [1000, 32, 7],
    ]) {
      let next = 0;
      for (let k = 1; k <= n; k++) {
        const { start, end } = shardRange(count, B, { k, n });
        expect(start).toBe(next);
        expect(start % B === 0 || start === count).toBe(true);
        expect(end).toBeGreaterThanOrEqual(start);
        next = end;
      }
      expect(next).toBe(count);
    }
    expect(shardRange(100, 8, { k: 2, n: 3 })).toEqual({ start: 32, end: 64 }); // 13 batches → 4, 4, 5
    expect(shardRange(100, 8, { k: 3, n: 3 })).toEqual({ start: 64, end: 100 });
    expect(shardRange(5, 4, { k: 1, n: 4 })).toEqual({ start: 0, end: 0 }); // 2 batches over 4 shards: some are empty
  });

  it('parses k/N and auto/N (JOB_COMPLETION_INDEX 0-based, SLURM_ARRAY_TASK_ID 1-based)', () => {
    expect(parseShard('2/4', {})).toEqual({ k: 2, n: 4 });
    expect(parseShard('auto/4', { JOB_COMPLETION_INDEX: '0' })).toEqual({ k: 1, n: 4 });
    expect(parseShard('auto/4', { SLURM_ARRAY_TASK_ID: '4' })).toEqual({ k: 4, n: 4 });
    expect(parseShard('auto/4', { JOB_COMPLETION_INDEX: '3', SLURM_ARRAY_TASK_ID: '1' })).toEqual({ k: 4, n: 4 });
    expect(() => parseShard('auto/4', {})).toThrow(/neither is set/);
    expect(() => parseShard('auto/4', { JOB_COMPLETION_INDEX: '4' })).toThrow(/1 ≤ k ≤ N. Got shard 5 of 4 \(from the environment\)/);
    expect(() => parseShard('0/3', {})).toThrow(/1 ≤ k ≤ N/);
    expect(() => parseShard('4/3', {})).toThrow(/1 ≤ k ≤ N/);
    expect(() => parseShard('two/3', {})).toThrow(/must be k\/N/);
    expect(() => parseShard('1/0', {})).toThrow(/N ≥ 1/);
  });
});
