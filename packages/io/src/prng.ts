import { VitValueError } from './errors.js';

/**
 * The one seeded PRNG of the toolkit (random ViT weights, k-means initialisation, random
 * baselines, dataset subsets): the same `(seed, stream)` gives the same sequence on every
 * platform. Named streams are independent, so e.g. a tensor's values depend only on
 * (seed, name, shape):
 *
 * - stream hash: 32-bit FNV-1a over the UTF-16 code units of `stream` (default `''`);
 * - state: four words of splitmix32 started at `hash ^ seedLow ^ rotl(seedHigh, 16)`;
 * - generator: xoshiro128** (Blackman & Vigna), uniform `u = ((x >>> 8) + 0.5) / 2^24` in (0, 1);
 * - integers in `[0, n)`: `floor(uint32 · n / 2^32)`;
 * - normals: Marsaglia's polar method, both values of each pair used.
 *
 * @example
 * import { Prng } from '@vit/io';
 * const rng = new Prng(42);
 * const u = rng.uniform(); // in (0, 1)
 * const i = rng.int(10); // in {0, …, 9}
 * const w = new Float32Array(8);
 * new Prng(42, 'blocks.0.attn.qkv.weight').fillNormal(w, 0.02, -0.04, 0.04); // truncated normal
 */
export class Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | undefined;

  /**
   * @param seed any finite number; its integer part (up to 2^53) selects the sequence.
   * @param stream the name of an independent stream. @default ''
   */
  constructor(seed: number, stream = '') {
    if (!Number.isFinite(seed)) {
      throw new VitValueError(`\`seed\` of Prng must be a finite number. Got ${seed}.`);
    }
    let h = 0x811c9dc5;
    for (let i = 0; i < stream.length; i++) {
      h ^= stream.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 2 ** 32) >>> 0;
    let x = (h ^ lo ^ ((hi << 16) | (hi >>> 16))) >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /**
   * Fill `out` with `std ·` standard normals, redrawing values outside `[lo, hi]` (a truncated
   * normal); the same values, in the same order, as repeated {@link normal} calls. The state is
   * kept in locals: this is the hot loop of random ViT weights (86 M values for ViT-B).
   */
  fillNormal(out: Float32Array, std: number, lo = -Infinity, hi = Infinity): void {
    let { s0, s1, s2, s3 } = this;
    let spare = this.spare;
    let i = 0;
    const n = out.length;
    while (i < n) {
      let z: number;
      if (spare !== undefined) {
        z = spare;
        spare = undefined;
      } else {
        // Marsaglia's polar method, xoshiro128** inlined (two uniforms per try).
        let u: number;
        let v: number;
        let q: number;
        do {
          let r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
          let t = s1 << 9;
          s2 ^= s0;
          s3 ^= s1;
          s1 ^= s2;
          s0 ^= s3;
          s2 ^= t;
          s3 = (s3 << 11) | (s3 >>> 21);
          u = (2 * ((r >>> 8) + 0.5)) / 16777216 - 1;
          r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
          t = s1 << 9;
          s2 ^= s0;
          s3 ^= s1;
          s1 ^= s2;
          s0 ^= s3;
          s2 ^= t;
          s3 = (s3 << 11) | (s3 >>> 21);
          v = (2 * ((r >>> 8) + 0.5)) / 16777216 - 1;
          q = u * u + v * v;
        } while (q >= 1);
        const m = Math.sqrt((-2 * Math.log(q)) / q);
        spare = v * m;
        z = u * m;
      }
      const x = std * z;
      if (x >= lo && x <= hi) out[i++] = x;
    }
    this.s0 = s0 >>> 0;
    this.s1 = s1 >>> 0;
    this.s2 = s2 >>> 0;
    this.s3 = s3 >>> 0;
    this.spare = spare;
  }

  /** Next 32-bit unsigned integer (xoshiro128**). */
  uint32(): number {
    const r = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r;
  }

  /** Uniform in the open interval (0, 1). */
  uniform(): number {
    return ((this.uint32() >>> 8) + 0.5) / 16777216;
  }

  /**
   * Uniform integer in `[0, n)`.
   * @param n a positive integer up to 2^32.
   */
  int(n: number): number {
    return Math.floor((this.uint32() * n) / 4294967296);
  }

  /** Standard normal (Marsaglia's polar method; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u: number;
    let v: number;
    let q: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      q = u * u + v * v;
    } while (q >= 1);
    const m = Math.sqrt((-2 * Math.log(q)) / q);
    this.spare = v * m;
    return u * m;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
