import { describe, expect, it } from 'vitest';
import { Prng } from './prng.js';

function moments(a: ArrayLike<number>): { mean: number; std: number; min: number; max: number } {
  let s = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < a.length; i++) {
    s += a[i];
    min = Math.min(min, a[i]);
    max = Math.max(max, a[i]);
  }
  const mean = s / a.length;
  let v = 0;
  for (let i = 0; i < a.length; i++) v += (a[i] - mean) ** 2;
  return { mean, std: Math.sqrt(v / a.length), min, max };
}

describe('Prng', () => {
  it('is a deterministic stream per (seed, name)', () => {
    const take = (seed: number, name: string) => {
      const r = new Prng(seed, name);
      return Array.from({ length: 5 }, () => r.uint32());
    };
    const a = new Prng(7, 'x');
    const b = new Prng(7, 'x');
    const c = new Prng(8, 'x');
    const d = new Prng(7, 'y');
    const seqA = Array.from({ length: 100 }, () => a.uint32());
    expect(Array.from({ length: 100 }, () => b.uint32())).toEqual(seqA);
    expect(Array.from({ length: 100 }, () => c.uint32())).not.toEqual(seqA);
    expect(Array.from({ length: 100 }, () => d.uint32())).not.toEqual(seqA);
    expect(take(2 ** 40, 'x')).not.toEqual(take(0, 'x')); // the high seed bits matter too
    expect(seqA.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32)).toBe(true);
  });

  it('fillNormal gives the values of repeated normal() calls, truncated where asked', () => {
    const a = new Prng(5, 'w');
    const b = new Prng(5, 'w');
    const bulk = new Float32Array(1001);
    a.fillNormal(bulk, 0.5);
    expect(bulk).toEqual(Float32Array.from({ length: 1001 }, () => 0.5 * b.normal()));
    // The streams stay in step after an odd count (the spare normal is carried over).
    expect(a.normal()).toBe(b.normal());
    const t = new Float32Array(20_000);
    new Prng(6, 't').fillNormal(t, 1, -1, 1);
    expect(t.every((v) => v >= -1 && v <= 1)).toBe(true);
    expect(moments(t).std).toBeGreaterThan(0.5); // a truncated normal on [-1,1] has std 0.54
    expect(moments(t).std).toBeLessThan(0.58);
  });

  it('gives uniforms in (0,1) and standard normals', () => {
    const r = new Prng(1, 'stats');
    const u = Float64Array.from({ length: 200_000 }, () => r.uniform());
    const mu = moments(u);
    expect(mu.min).toBeGreaterThan(0);
    expect(mu.max).toBeLessThan(1);
    expect(mu.mean).toBeCloseTo(0.5, 2);
    expect(mu.std).toBeCloseTo(Math.sqrt(1 / 12), 2);
    const n = Float64Array.from({ length: 200_000 }, () => r.normal());
    const mn = moments(n);
    expect(Math.abs(mn.mean)).toBeLessThan(0.01);
    expect(Math.abs(mn.std - 1)).toBeLessThan(0.01);
    // P(|z| > 2) = 0.0455 for a standard normal.
    expect(n.filter((v) => Math.abs(v) > 2).length / n.length).toBeCloseTo(0.0455, 2);
  });
  it('keeps the sequence random ViT weights and k-means were built with (pinned values)', () => {
    const r = new Prng(7, 'x');
    const first = [r.uint32(), r.uint32(), r.uint32()];
    // Values of the builder's PRNG before it moved here (runtime/src/builder/prng.ts at main 0c67caa).
    expect(first).toEqual([547993139, 910502948, 798961962]);
  });

  it('int(n) is uniform on [0, n)', () => {
    const r = new Prng(3);
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 70_000; i++) counts[r.int(7)]++;
    // 10_000 expected per bin; 5 standard deviations ≈ 460.
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(460);
  });

  it('rejects a non-finite seed', () => {
    expect(() => new Prng(Number.NaN)).toThrow(/seed/);
  });
});
