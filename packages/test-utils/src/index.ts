export { describeAccumulator } from './describeAccumulator.js';
export type { AccumulatorContract, AccumulatorUnderTest } from './describeAccumulator.js';
export { xorshift32, mulberry32 } from './random.js';
