export { describeAccumulator } from './describeAccumulator.js';
export type { AccumulatorContract } from './describeAccumulator.js';
export { xorshift32, mulberry32 } from './random.js';
