import { describe, expect, it } from 'vitest';
import { cachedDistanceTable } from './cache.js';
import { spatialKernelTs, type SpatialPass } from './kernels.js';
import { spatialKernelWasm, spatialWasmAvailable } from './spatialWasm.js';
import { RowStats, type AttentionView } from './view.js';

// The WebAssembly kernel must give the TypeScript kernel's bits (max difference 0), on every path
// the TypeScript kernel has: rows that sum to 1 (provisional scale), rows that do not (the
// correction, then sum-first for the head), null rows, odd grid widths (the tail column), no prefix.
function attention(B: number, H: number, P: number, gh: number, gw: number, seed: number, edit?: (row: Float32Array, b: number, h: number, q: number) => void): AttentionView {
  const N = gh * gw;
  const T = P + N;
  const data = new Float32Array(B * H * T * T);
  let s = seed;
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let q = 0; q < T; q++) {
        const row = data.subarray(((b * H + h) * T + q) * T, ((b * H + h) * T + q + 1) * T);
        let tot = 0;
        for (let k = 0; k < T; k++) {
          s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
          row[k] = Math.exp((6 * s) / 4294967296);
          tot += row[k];
        }
        for (let k = 0; k < T; k++) row[k] /= tot;
        edit?.(row, b, h, q);
      }
  return { data, off: 0, B, H, T, P, gh, gw, N };
}

function maxDiff(a: SpatialPass, b: SpatialPass): number {
  let d = 0;
  for (const k of ['sums', 'nonNull', 'qcount', 'dist'] as const) {
    expect(a[k].length).toBe(b[k].length);
    for (let i = 0; i < a[k].length; i++) {
      if (Number.isNaN(a[k][i]) && Number.isNaN(b[k][i])) continue;
      d = Math.max(d, Math.abs(a[k][i] - b[k][i]));
    }
  }
  return d;
}

const run = (f: typeof spatialKernelTs, v: AttentionView) => {
  const st = new RowStats('test', 'att', { onWarning: () => undefined });
  return { pass: f(v, cachedDistanceTable(v.gh, v.gw), st), worst: st.worst };
};

describe.skipIf(!spatialWasmAvailable())('spatialKernelWasm', () => {
  const cases: [string, AttentionView][] = [
    ['ViT-S grid, CLS', attention(2, 3, 1, 14, 14, 1)],
    ['odd, non-square grid with registers', attention(2, 2, 5, 5, 7, 2)],
    ['no prefix', attention(1, 2, 0, 6, 6, 3)],
    ['one column', attention(1, 1, 1, 4, 1, 4)],
    [
      'rows that do not sum to 1 and null rows',
      attention(2, 2, 1, 6, 5, 5, (row, b, h, q) => {
        if (h === 0 && q % 3 === 1) for (let k = 0; k < row.length; k++) row[k] *= 0.9; // a correction, then sum-first
        if (h === 1 && q === 4) row.fill(0, 1).fill(1, 0, 1); // all mass on CLS: a null spatial row
        if (b === 1 && h === 1 && q === 7) row.fill(0); // an all-zero row
      }),
    ],
  ];
  it.each(cases)('%s: the same bits as the TypeScript kernel', (_, v) => {
    const a = run(spatialKernelTs, v);
    const b = run(spatialKernelWasm, v);
    expect(maxDiff(a.pass, b.pass)).toBe(0);
    expect(b.worst).toBe(a.worst);
  });

  it('counts null rows as the TypeScript kernel does', () => {
    const v = cases[4][1];
    const { pass } = run(spatialKernelWasm, v);
    expect([...pass.nonNull]).toEqual([...run(spatialKernelTs, v).pass.nonNull]);
    expect(pass.nonNull[1]).toBeLessThan(2 * 30); // some rows of head 2 were null
  });

  it('names the first non-finite row, as the TypeScript kernel does', () => {
    const v = attention(1, 2, 1, 4, 4, 6, (row, b, h, q) => {
      if (h === 1 && q === 9) row[3] = NaN;
    });
    expect(() => run(spatialKernelTs, v)).toThrow(/contains NaN in head 2 \(image 1, query row 10\)/);
    expect(() => run(spatialKernelWasm, v)).toThrow(/contains NaN in head 2 \(image 1, query row 10\)/);
  });

  it('reads a view that starts inside its array (offset) and grows its memory for long sequences', () => {
    const big = attention(1, 1, 1, 40, 40, 7); // T = 1601: a 10 MB block
    const a = run(spatialKernelTs, big);
    const b = run(spatialKernelWasm, big);
    expect(maxDiff(a.pass, b.pass)).toBe(0);
    const v = cases[0][1];
    const shifted = new Float32Array(v.data.length + 5);
    shifted.set(v.data, 5);
    expect(maxDiff(run(spatialKernelWasm, { ...v, data: shifted, off: 5 }).pass, run(spatialKernelTs, v).pass)).toBe(0);
  });
});
