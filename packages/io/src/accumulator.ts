import type { NumericBackend } from './backend.js';

/** The serialised state of an accumulator: enough to resume, cache or merge it elsewhere. */
export interface AccumulatorJSON<O = unknown, S = unknown> {
  /** Which accumulator made it, e.g. `"AAAM"`. */
  kind: string;
  /** State format version; `fromJSON` refuses versions it does not know. */
  version: number;
  options: O;
  state: S;
  /** How many samples (images) were seen. */
  seen: number;
}

/**
 * An analysis over a dataset (DESIGN.md): `update` with batches, `merge` partial states
 * from other shards (same result as one accumulator over both inputs), `result` (pure,
 * repeatable), and `toJSON` for caching / resuming.
 */
export interface Accumulator<In, Out, O = unknown, S = unknown> {
  update(input: In): this;
  merge(other: this): this;
  result(): Out;
  reset(): this;
  toJSON(): AccumulatorJSON<O, S>;
  readonly seen: number;
}

/**
 * The optional second argument of every accumulator's static `fromJSON(json, options?)`:
 * what JSON cannot carry. Each accumulator uses the fields it needs and ignores the others.
 */
export interface AccumulatorRestoreOptions {
  /** Numeric backend for the accumulator's arithmetic. @default the default backend (`resolveBackend`) */
  backend?: NumericBackend;
  /** Receives the accumulator's one-line warnings (e.g. attention rows not summing to 1). @default console.warn */
  onWarning?: (message: string) => void;
}
