import { describe, expect, it } from 'vitest';
import { describeAccumulator, xorshift32 } from '@vit/test-utils';
import { tensor } from '@vit/io';
import type { Tensor } from '@vit/io';
import { davisScores } from './davisScores.js';
import { propagateLabels } from './propagateLabels.js';
import { propagationPerLayer } from './propagationPerLayer.js';
import { PropagationAccumulator } from './PropagationAccumulator.js';
import { upsampleArgmax } from './internal/propagator.js';

const rng = xorshift32;
const gauss = (r: () => number) => Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());

async function collect(it: AsyncIterable<Tensor<Int32Array>>): Promise<Tensor<Int32Array>[]> {
  const out: Tensor<Int32Array>[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/**
 * A moving textured square: a 12×16 token grid (8 px tokens → 96×128 frames), static background
 * texture with codes 0..7, a 4×4-token square whose own texture (codes 8..15) moves one token
 * right per frame. Features = one-hot code + N(0, 0.1²) noise. Label 1 = the square.
 */
function movingSquare(frames: number, textured: boolean, seed = 1) {
  const r = rng(seed);
  const h = 12;
  const w = 16;
  const D = 16;
  const p = 8;
  const bg = Array.from({ length: h * w }, () => Math.floor(r() * 8));
  const obj = Array.from({ length: 16 }, () => 8 + Math.floor(r() * 8));
  const feats: Tensor<Float32Array>[] = [];
  const gt: Tensor<Uint8Array>[] = [];
  for (let t = 0; t < frames; t++) {
    const x0 = 2 + t;
    const y0 = 4;
    const f = new Float32Array(h * w * D);
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const inside = i >= y0 && i < y0 + 4 && j >= x0 && j < x0 + 4;
        // without texture the square's codes are redrawn every frame from the background's codes
        const code = inside ? (textured ? obj[(i - y0) * 4 + (j - x0)] : Math.floor(r() * 8)) : bg[i * w + j];
        for (let d = 0; d < D; d++) f[(i * w + j) * D + d] = (d === code ? 1 : 0) + 0.1 * gauss(r);
      }
    }
    feats.push(tensor(f, [h, w, D]));
    const m = new Uint8Array(h * p * w * p);
    for (let y = 0; y < h * p; y++) for (let x = 0; x < w * p; x++) m[y * w * p + x] = Math.floor(y / p) >= y0 && Math.floor(y / p) < y0 + 4 && Math.floor(x / p) >= x0 && Math.floor(x / p) < x0 + 4 ? 1 : 0;
    gt.push(tensor(m, [h * p, w * p]));
  }
  return { feats, gt };
}

/** Slow label propagation straight from SPEC 16 (plain arrays, full sort per target token). */
function slowPropagate(
  feats: number[][][][],
  first: number[][],
  o: { ctx: number; T: number; R: number; K: number },
): number[][][] {
  const h = feats[0].length;
  const w = feats[0][0].length;
  const H = first.length;
  const W = first[0].length;
  const C = Math.max(...first.flat()) + 1;
  const nrm = (v: number[]) => {
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };
  const norm = (f: number[][][]) => f.map((row) => row.map(nrm));
  const firstSoft = Array.from({ length: h }, (_, i) =>
    Array.from({ length: w }, (_, j) => {
      const lab = first[Math.floor(((i + 0.5) * H) / h)][Math.floor(((j + 0.5) * W) / w)];
      return Array.from({ length: C }, (_, c) => (c === lab ? 1 : 0));
    }),
  );
  const context: { f: number[][][]; s: number[][][] }[] = [{ f: norm(feats[0]), s: firstSoft }];
  const queue: { f: number[][][]; s: number[][][] }[] = [];
  const out: number[][][] = [first];
  for (let t = 1; t < feats.length; t++) {
    const ft = norm(feats[t]);
    const ctx = [...context, ...queue];
    const soft = ft.map((row, i) =>
      row.map((v, j) => {
        const cand: { s: number; lab: number[] }[] = [];
        for (const c of ctx) {
          for (let y = Math.max(0, i - o.R); y <= Math.min(h - 1, i + o.R); y++) {
            for (let x = Math.max(0, j - o.R); x <= Math.min(w - 1, j + o.R); x++) {
              cand.push({ s: v.reduce((a, z, d) => a + z * c.f[y][x][d], 0), lab: c.s[y][x] });
            }
          }
        }
        cand.sort((a, b) => b.s - a.s);
        const top = cand.slice(0, o.K);
        const aff = top.map((c) => Math.exp(c.s / o.T));
        const z = aff.reduce((a, b) => a + b, 0);
        return Array.from({ length: C }, (_, c) => top.reduce((a, q, k) => a + (aff[k] / z) * q.lab[c], 0));
      }),
    );
    if (o.ctx > 0) {
      queue.push({ f: ft, s: soft });
      if (queue.length > o.ctx) queue.shift();
    }
    const src = (p: number, n: number, N: number) => {
      const s = Math.max(0, ((p + 0.5) * n) / N - 0.5);
      const a = Math.min(Math.floor(s), n - 1);
      return [a, Math.min(a + 1, n - 1), s - a];
    };
    out.push(
      Array.from({ length: H }, (_, y) =>
        Array.from({ length: W }, (_, x) => {
          const [y0, y1, fy] = src(y, h, H);
          const [x0, x1, fx] = src(x, w, W);
          let best = 0;
          let bv = -Infinity;
          for (let c = 0; c < C; c++) {
            const val =
              (1 - fy) * ((1 - fx) * soft[y0][x0][c] + fx * soft[y0][x1][c]) + fy * ((1 - fx) * soft[y1][x0][c] + fx * soft[y1][x1][c]);
            if (val > bv) {
              bv = val;
              best = c;
            }
          }
          return best;
        }),
      ),
    );
  }
  return out;
}

describe('propagateLabels', () => {
  it('tracks a moving textured square: J&F ≥ 0.95 (and a texture-free control falls below 0.6)', async () => {
    const { feats, gt } = movingSquare(9, true);
    const pred = await collect(propagateLabels(feats, gt[0]));
    expect(pred.length).toBe(9);
    expect(Array.from(pred[0].data)).toEqual(Array.from(gt[0].data));
    const s = davisScores(gt, pred);
    expect(s.JF).toBeGreaterThanOrEqual(0.95);
    expect(s.J).toBeGreaterThanOrEqual(0.95);
    // Control: the square's tokens carry no consistent texture, so nothing can follow it.
    const ctrl = movingSquare(9, false);
    const s2 = davisScores(ctrl.gt, await collect(propagateLabels(ctrl.feats, ctrl.gt[0])));
    expect(s2.JF).toBeLessThan(0.6);
  });

  it('equals a slow direct implementation of SPEC 16 on random features', async () => {
    const r = rng(9);
    const h = 5;
    const w = 6;
    const D = 4;
    const H = 20;
    const W = 27;
    const frames = Array.from({ length: 6 }, () =>
      Array.from({ length: h }, () => Array.from({ length: w }, () => Array.from({ length: D }, () => gauss(r)))),
    );
    const first = Array.from({ length: H }, (_, y) => Array.from({ length: W }, (_, x) => (x < 9 ? 0 : y < 10 ? 1 : 2)));
    const o = { ctx: 2, T: 0.1, R: 2, K: 3 };
    const want = slowPropagate(frames, first, o);
    const got = await collect(
      propagateLabels(
        frames.map((f) => tensor(new Float32Array(f.flat(2)), [h, w, D])),
        tensor(new Int32Array(first.flat()), [H, W]),
        { contextFrames: o.ctx, neighborhood: o.R, k: o.K },
      ),
    );
    expect(got.map((g) => Array.from(g.data))).toEqual(want.map((m) => m.flat()));
  });

  it('validates eagerly: empty first mask, bad options; frame shape changes are named', async () => {
    const { feats, gt } = movingSquare(3, true);
    expect(() => propagateLabels(feats, tensor(new Uint8Array(96 * 128), [96, 128]))).toThrow(
      /`firstMask` of propagateLabels must contain at least one object \(a label > 0\)\. Got an empty mask\./,
    );
    expect(() => propagateLabels(feats, gt[0], { k: 0 })).toThrow(/`k` of propagateLabels must be an integer ≥ 1/);
    const bad = [feats[0], tensor(new Float32Array(11 * 16 * 16), [11, 16, 16])];
    await expect(collect(propagateLabels(bad, gt[0]))).rejects.toThrow(/`frames\[1\]` of propagateLabels must have shape \[12,16,16\]/);
  });
});

describe('upsampleArgmax', () => {
  it('upsamples bilinearly with half-pixel centres; reference mode min-max scales each channel (by hand)', () => {
    // two tokens in a row, C = 2: token 0 = [0.6, 0.4], token 1 = [0.55, 0.45]; 1×4 pixels
    const soft = Float32Array.from([0.6, 0.4, 0.55, 0.45]);
    // pixel x samples token coordinate max(0, (x + 0.5)/2 − 0.5) = 0, 0.25, 0.75, 1 → channel 0 always wins
    expect(Array.from(upsampleArgmax(soft, 1, 2, 2, 1, 4, false))).toEqual([0, 0, 0, 0]);
    // scaled: channel 0 → [1, 0.75, 0.25, 0], channel 1 → [0, 0.25, 0.75, 1]
    expect(Array.from(upsampleArgmax(soft, 1, 2, 2, 1, 4, true))).toEqual([0, 0, 1, 1]);
  });
});

describe('propagationPerLayer and PropagationAccumulator', () => {
  const good = movingSquare(6, true, 3);
  const bad = movingSquare(6, false, 4);
  const perFrame = good.feats.map((f, t) => [f, bad.feats[t]]);

  it('scores every layer from one pass, equal to propagateLabels + davisScores per layer', async () => {
    const res = await propagationPerLayer(perFrame, good.gt);
    expect(res.layers).toEqual([1, 2]);
    expect(res.videos).toEqual(['video']);
    const s0 = davisScores(good.gt, await collect(propagateLabels(good.feats, good.gt[0])));
    const s1 = davisScores(good.gt, await collect(propagateLabels(bad.feats, good.gt[0])));
    expect(Array.from(res.J.data)).toBeDeepCloseTo([s0.J, s1.J], 1e-12);
    expect(Array.from(res.F.data)).toBeDeepCloseTo([s0.F, s1.F], 1e-12);
    expect(Array.from(res.JF.data)).toBeDeepCloseTo([s0.JF, s1.JF], 1e-12);
    const last = await propagationPerLayer(perFrame, good.gt, { layers: [-1] });
    expect(last.layers).toEqual([2]);
    expect(last.J.data[0]).toBeDeepCloseTo(s1.J, 1e-12);
    await expect(propagationPerLayer(perFrame.slice(0, 5), good.gt)).rejects.toMatchObject({
      code: 'VIT_LENGTH_MISMATCH',
      message: expect.stringMatching(/one frame per map of `video.truth` \(6\)\. Got 5/),
    });
  });

  it('takes Captures of consecutive frames (block taps [B,T,D] with a prefix token)', async () => {
    const [h, w, D] = good.feats[0].shape;
    const T = 1 + h * w;
    const captures = [[0, 3], [3, 6]].map(([a, b]) => {
      const block = [good, bad].map((v) => {
        const x = new Float32Array((b - a) * T * D);
        for (let t = a; t < b; t++) {
          x.fill(0.5, (t - a) * T * D, (t - a) * T * D + D); // the CLS token: ignored
          x.set(v.feats[t].data as Float32Array, ((t - a) * T + 1) * D);
        }
        return tensor(x, [b - a, T, D]);
      });
      return { taps: { block }, layers: [11, 12], grid: { gh: h, gw: w, prefix: 1 } };
    });
    const fromCaptures = await propagationPerLayer(captures, good.gt);
    const direct = await propagationPerLayer(perFrame, good.gt);
    expect(fromCaptures.layers).toEqual([11, 12]);
    expect(Array.from(fromCaptures.JF.data)).toEqual(Array.from(direct.JF.data));
  });

  it('averages over every object of every video and keeps per-video scores', async () => {
    const acc = new PropagationAccumulator();
    await acc.update({ id: 'b', truth: good.gt, frames: good.feats.map((f) => [f]) });
    await acc.update({ id: 'a', truth: good.gt, frames: bad.feats.map((f) => [f]) });
    const res = acc.result();
    const sg = davisScores(good.gt, await collect(propagateLabels(good.feats, good.gt[0])));
    const sb = davisScores(good.gt, await collect(propagateLabels(bad.feats, good.gt[0])));
    expect(res.videos).toEqual(['a', 'b']);
    expect(res.objects).toEqual([1, 1]);
    expect(Array.from(res.perVideo.J.data)).toBeDeepCloseTo([sb.J, sg.J], 1e-12);
    expect(res.J.data[0]).toBeDeepCloseTo((sg.J + sb.J) / 2, 1e-12);
    await expect(acc.update({ id: 'a', truth: good.gt, frames: [] })).rejects.toThrow(/"a" was scored already/);
  });
});

{
  const videos = [3, 5, 6, 7].map((seed, i) => {
    const v = movingSquare(4, i % 2 === 0, seed);
    return { id: `v${i}`, truth: v.gt, frames: v.feats.map((f) => [f, f]) };
  });
  describeAccumulator('PropagationAccumulator', {
    make: () => new PropagationAccumulator({ contextFrames: 2, neighborhood: 4 }),
    fromJSON: (json, o) => PropagationAccumulator.fromJSON(json, o),
    batches: () => videos,
    badBatch: () => ({ ...videos[0], id: 'other', frames: videos[0].frames.map((f) => [f[0]]) }),
    numbers: (o) => [...o.J.data, ...o.F.data, ...o.perVideo.JF.data],
    tolerance: 1e-12,
  });
}
