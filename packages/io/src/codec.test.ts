import { describe, expect, it } from 'vitest';
import { decodeElements, encodeElements, floatToBf16, floatToHalf } from './codec.js';
import { values } from './testFixtures.js';

/** Slow reference: the float16 value of every bit pattern, from the IEEE definition. */
function halfValue(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 31;
  const m = h & 1023;
  if (e === 31) return m ? NaN : s * Infinity;
  return e === 0 ? s * m * 2 ** -24 : s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Slow reference rounding: the nearest float16 by exhaustive search over finite patterns (ties → even mantissa). */
function nearestHalf(v: number): number {
  if (Number.isNaN(v)) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a >= 65520) return sign | 0x7c00; // halfway between max half (65504) and 2^16 rounds to Inf
  let best = 0;
  let bestErr = Infinity;
  for (let h = 0; h < 0x7c00; h++) {
    const err = Math.abs(halfValue(h) - a);
    if (err < bestErr || (err === bestErr && (h & 1) === 0)) {
      best = h;
      bestErr = err;
    }
  }
  return sign | best;
}

describe('float16 / bfloat16 codecs', () => {
  it('floatToHalf rounds to nearest even like an exhaustive search', () => {
    const f = new Float32Array(1);
    const samples = [0, -0, 1, -1, 0.1, 1 / 3, 65504, 65519, 65520, 1e5, 6.1e-5, 5.96e-8, 2.98e-8, 2.99e-8, 1e-10, 1.0009765625, 1.00048828125, 1.000732421875];
    for (let i = 0; i < 100; i++) samples.push((Math.sin(i * 12.9898) * 43758.5453) % 70000, 2 ** -(i % 30) * (i % 7));
    for (const v of samples) {
      f[0] = v;
      expect(floatToHalf(f[0]), `value ${f[0]}`).toBe(nearestHalf(f[0]));
    }
    expect(floatToHalf(NaN) & 0x7c00).toBe(0x7c00);
    expect(floatToHalf(NaN) & 0x3ff).not.toBe(0);
    expect(floatToHalf(-Infinity)).toBe(0xfc00);
  });
  it('decodes every float16 bit pattern exactly', () => {
    const bytes = new Uint8Array(65536 * 2);
    for (let h = 0; h < 65536; h++) {
      bytes[2 * h] = h & 255;
      bytes[2 * h + 1] = h >> 8;
    }
    const d = decodeElements(bytes, 0, 65536, 'float16', true) as Float32Array;
    const bad: number[] = [];
    for (let h = 0; h < 65536; h++) {
      const ok = Object.is(d[h], Math.fround(halfValue(h))) || (Number.isNaN(d[h]) && Number.isNaN(halfValue(h)));
      // Every finite pattern must also round-trip through floatToHalf.
      if (!ok || ((h & 0x7c00) !== 0x7c00 && floatToHalf(d[h]) !== h)) bad.push(h);
    }
    expect(bad).toEqual([]);
  });
  it('bfloat16 rounds to nearest even and widens exactly', () => {
    expect(floatToBf16(1)).toBe(0x3f80);
    expect(floatToBf16(-2)).toBe(0xc000);
    const f = new Float32Array([1 + 2 ** -8]); // exactly halfway between 1 and 1+2^-7: ties to even (1)
    expect(floatToBf16(f[0])).toBe(0x3f80);
    expect(floatToBf16(1 + 3 * 2 ** -8)).toBe(0x3f82); // halfway, odd below → rounds up to even
    expect(floatToBf16(NaN) & 0x7f80).toBe(0x7f80);
    const enc = encodeElements(new Float32Array([3.140625, -0.5]), 'bfloat16', () => 'x');
    expect(values(decodeElements(enc, 0, 2, 'bfloat16', true))).toEqual([3.140625, -0.5]);
  });
  it('swaps big-endian bytes and casts on encode', () => {
    const be = new Uint8Array([0x00, 0x00, 0x01, 0x02, 0xff, 0xff, 0xff, 0xfe]);
    expect(values(decodeElements(be, 0, 2, 'int32', false))).toEqual([0x102, -2]);
    expect(values(decodeElements(be, 0, 1, 'int64', false))).toEqual([0x102fffffffen]);
    const e = encodeElements(new Float64Array([1.9, -1.9, 300]), 'int8', () => 'x');
    expect(Array.from(new Int8Array(e.buffer))).toEqual([1, -1, 44]); // truncation and wrap, as numpy astype
    expect(Array.from(new BigInt64Array(encodeElements(new Float32Array([2.5, -3]), 'int64', () => 'x').buffer))).toEqual([2n, -3n]);
    expect(() => encodeElements(new Float32Array([NaN]), 'int64', () => '`t` of f')).toThrow(/`t` of f cannot store NaN as int64/);
    expect(Array.from(encodeElements(new Int32Array([0, 5, -1]), 'bool', () => 'x'))).toEqual([0, 1, 1]);
    expect(Array.from(new Float64Array(encodeElements(BigInt64Array.from([5n, -7n]), 'float64', () => 'x').buffer))).toEqual([5, -7]);
  });
});
