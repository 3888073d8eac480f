export { describeAccumulator } from './describeAccumulator.js';
export type { AccumulatorContract } from './describeAccumulator.js';
