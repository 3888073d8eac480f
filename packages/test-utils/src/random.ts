/**
 * Seeded uniform generators in [0,1) for tests, so every failure reproduces.
 * Two classic 32-bit generators; tests pick one and keep it (fixtures depend on the sequence).
 */

/** xorshift32 (Marsaglia): seed 0 is mapped to 1, since 0 is its fixed point. */
export function xorshift32(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** mulberry32: a good-quality 32-bit generator. */
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
