import { describe, expect, it } from 'vitest';
import { describeAccumulator, xorshift32 } from '@vit/test-utils';
import { tensor } from '@vit/io';
import { keypointsPerLayer } from './keypointsPerLayer.js';
import { KeypointAccumulator } from './KeypointAccumulator.js';
import { matchKeypoints } from './matchKeypoints.js';
import type { Keypoint } from './matchKeypoints.js';
import { pck } from './pck.js';
import { pckPerCategory } from './pckPerCategory.js';

const rng = xorshift32;

const feats = (r: () => number, h: number, w: number, D: number) => Array.from({ length: h * w * D }, () => r() - 0.5);

/** The definition, materialised: normalise tokens, upsample every map to S×S, cosine, argmax. */
function slowMatch(src: number[], tgt: number[], h: number, w: number, D: number, kps: Keypoint[], S: number): [number, number][] {
  const norm = (f: number[]) => {
    const out = f.slice();
    for (let t = 0; t < h * w; t++) {
      const n = Math.hypot(...f.slice(t * D, t * D + D));
      for (let d = 0; d < D; d++) out[t * D + d] = f[t * D + d] / n;
    }
    return out;
  };
  const up = (f: number[]) => {
    const out: number[][] = [];
    const src1 = (p: number, n: number) => {
      const s = Math.max(0, ((p + 0.5) * n) / S - 0.5);
      const a = Math.min(Math.floor(s), n - 1);
      return [a, Math.min(a + 1, n - 1), s - a];
    };
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const [y0, y1, fy] = src1(y, h);
        const [x0, x1, fx] = src1(x, w);
        const v: number[] = [];
        for (let d = 0; d < D; d++) {
          const g = (i: number, j: number) => f[(i * w + j) * D + d];
          v.push((1 - fy) * ((1 - fx) * g(y0, x0) + fx * g(y0, x1)) + fy * ((1 - fx) * g(y1, x0) + fx * g(y1, x1)));
        }
        out.push(v);
      }
    }
    return out;
  };
  const us = up(norm(src));
  const ut = up(norm(tgt)).map((v) => {
    const n = Math.hypot(...v);
    return v.map((z) => z / n);
  });
  return kps.map(([x, y]) => {
    const v = us[Math.round(y) * S + Math.round(x)];
    let best = -Infinity;
    let arg = 0;
    ut.forEach((t, p) => {
      const s = t.reduce((a, z, d) => a + z * v[d], 0);
      if (s > best) {
        best = s;
        arg = p;
      }
    });
    return [arg % S, Math.floor(arg / S)];
  });
}

describe('matchKeypoints', () => {
  it('equals the materialised definition (normalise, upsample, cosine, argmax) on random features', async () => {
    const r = rng(21);
    const h = 4;
    const w = 5;
    const D = 6;
    const S = 24;
    const src = feats(r, h, w, D);
    const tgt = feats(r, h, w, D);
    const kps: Keypoint[] = [[0, 0], [23, 23], [7.4, 11.6], [12, 3], [19, 20], [2, 22]];
    const got = await matchKeypoints(tensor(new Float32Array(src), [h, w, D]), tensor(new Float32Array(tgt), [h, w, D]), kps, S);
    expect(got).toEqual(slowMatch(src, tgt, h, w, D, kps, S));
  });

  it('recovers a planted shift of one token (8 px)', async () => {
    const r = rng(4);
    const h = 6;
    const w = 6;
    const D = 16;
    const S = 48;
    const src = feats(r, h, w, D);
    // target token (i, j) = source token (i, j − 1): the image content moved one token right
    const tgt = new Float32Array(h * w * D);
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let d = 0; d < D; d++) tgt[(i * w + j) * D + d] = src[(i * w + Math.max(0, j - 1)) * D + d];
    const kps: Keypoint[] = [[12, 12], [20, 30], [25, 17], [30, 40]];
    const got = await matchKeypoints(tensor(new Float32Array(src), [h, w, D]), tensor(tgt, [h, w, D]), kps, S);
    expect(got).toEqual(kps.map(([x, y]) => [x + 8, y]));
  });

  it('rejects keypoints outside the image, naming the keypoint', async () => {
    const f = tensor(new Float32Array(2 * 2 * 3).fill(1), [2, 2, 3]);
    await expect(matchKeypoints(f, f, [[1, 1], [16, 3]], 16)).rejects.toThrow(
      /`srcKps\[1\]` of matchKeypoints must be an \[x, y\] inside the 16×16 image \(\[0, 16\) on each axis\)\. Got \[16,3\]\./,
    );
    await expect(matchKeypoints(f, f, [[-0.5, 1]], 16)).rejects.toThrow(/`srcKps\[0\]`/);
    await expect(matchKeypoints(f, tensor(new Float32Array(8), [2, 2, 2]), [[1, 1]], 16)).rejects.toThrow(/`tgt` of matchKeypoints must have shape \[h,w,3\]/);
  });
});

describe('pck', () => {
  it('counts errors within α · bbox (by hand)', () => {
    // errors 2 and 10 with bbox 100: α=0.1 → ≤10 both; α=0.05 → ≤5 one; α=0.01 → ≤1 none
    expect(pck([[12, 10], [40, 50]], [[10, 10], [50, 50]], { bboxSize: 100 })).toEqual({ '0.1': 1, '0.05': 0.5, '0.01': 0 });
    // error 5 = 3-4-5 triangle
    expect(pck([[0, 0]], [[3, 4]], { bboxSize: 50, alphas: [0.1, 0.09] })).toEqual({ '0.1': 1, '0.09': 0 });
    expect(() => pck([], [[0, 0]], { bboxSize: 10 })).toThrow(expect.objectContaining({ code: 'VIT_LENGTH_MISMATCH', message: expect.stringMatching(/`pred` of pck must have one keypoint per true keypoint \(0\)\. Got 1/) }));
    expect(() => pck([[0, 0]], [[0, 0]], { bboxSize: 0 })).toThrow(/`bboxSize` of pck/);
    expect(() => pck([[0, 0]], [[NaN, 0]], { bboxSize: 5 })).toThrow(expect.objectContaining({ code: 'VIT_NON_FINITE' }));
  });
});

describe('pckPerCategory', () => {
  it('pools keypoints per category, then averages categories (by hand)', () => {
    const res = pckPerCategory(
      [
        { category: 'dog', truth: [[0, 0], [9, 0]], pred: [[0, 0], [0, 0]], bboxSize: 50 }, // errors 0, 9 → α=.1 (≤5): 1/2
        { category: 'cat', truth: [[0, 3]], pred: [[0, 0]], bboxSize: 50 }, // error 3 → 1/1
        { category: 'dog', truth: [[1, 0], [0, 1]], pred: [[0, 0], [0, 0]], bboxSize: 50 }, // errors 1, 1 → 2/2
      ],
      { alphas: [0.1] },
    );
    expect(res.categories).toEqual(['cat', 'dog']);
    expect(res.perCategory).toEqual({ cat: { '0.1': 1 }, dog: { '0.1': 0.75 } });
    expect(res.keypoints).toEqual({ cat: 1, dog: 4 });
    expect(res.mean['0.1']).toBeDeepCloseTo(0.875, 1e-12); // not the pooled 4/5
    expect(() => pckPerCategory([{ category: 'x', truth: [[0, 0], [1, 1]], pred: [[0, 0]], bboxSize: 5 }])).toThrow(/\(pairs\[0\]\)/);
  });
});

describe('keypointsPerLayer and KeypointAccumulator', () => {
  const r = rng(8);
  const h = 4;
  const w = 4;
  const D = 5;
  const S = 16;
  const mk = () => tensor(new Float32Array(feats(r, h, w, D)), [h, w, D]);
  const pairs = ['b', 'a', 'b'].map((category) => ({
    category,
    src: [mk(), mk()],
    tgt: [mk(), mk()],
    srcKps: [[3, 4], [10, 12], [15, 0]] as Keypoint[],
    tgtKps: [[4, 4], [9, 12], [14, 1]] as Keypoint[],
    bboxSize: 40,
    size: S,
  }));

  it('scores every layer from one pass, equal to matchKeypoints + pckPerCategory per layer', async () => {
    const res = await keypointsPerLayer(pairs, { alphas: [0.1, 0.05] });
    expect(res.layers).toEqual([1, 2]);
    expect(res.categories).toEqual(['a', 'b']);
    expect(res.keypoints).toEqual([3, 6]);
    expect(res.perCategory.shape).toEqual([2, 2, 2]);
    for (let l = 0; l < 2; l++) {
      const preds = [];
      for (const p of pairs) preds.push({ category: p.category, truth: p.tgtKps, pred: await matchKeypoints(p.src[l], p.tgt[l], p.srcKps, S), bboxSize: p.bboxSize });
      const want = pckPerCategory(preds, { alphas: [0.1, 0.05] });
      expect(Array.from(res.perCategory.data.subarray(l * 4, l * 4 + 4))).toBeDeepCloseTo([...Object.values(want.perCategory.a), ...Object.values(want.perCategory.b)], 1e-12);
      expect(Array.from(res.mean.data.subarray(l * 2, l * 2 + 2))).toBeDeepCloseTo(Object.values(want.mean), 1e-12);
    }
    const last = await keypointsPerLayer(pairs, { alphas: [0.1], layers: [-1] });
    expect(last.layers).toEqual([2]);
    await expect(keypointsPerLayer([{ ...pairs[0], srcKps: [[3, 99]] as Keypoint[], tgtKps: [[1, 1]] as Keypoint[] }])).rejects.toThrow(
      /`pairs\[0\]\.srcKps\[0\]` of KeypointAccumulator.update must be an \[x, y\] inside the 16×16 image/,
    );
    await expect(keypointsPerLayer([])).rejects.toMatchObject({ code: 'VIT_EMPTY' });
  });

  it('planted structure: identical source and target features transfer interior keypoints exactly', async () => {
    const f = mk();
    // interior pixels: each samples a distinct bilinear mix of the 4×4 tokens, so only the pixel itself has cosine 1
    const kps = [[6, 6], [9, 5], [10, 10]] as Keypoint[];
    expect(await matchKeypoints(f, f, kps, S)).toEqual(kps);
    const acc = new KeypointAccumulator({ alphas: [0.01] });
    await acc.update({ category: 'same', src: [f], tgt: [f], srcKps: kps, tgtKps: kps, bboxSize: 16, size: S });
    expect(Array.from(acc.result().mean.data)).toEqual([1]);
  });
});

{
  const r = rng(21);
  const mk = () => tensor(new Float32Array(feats(r, 3, 3, 4)), [3, 3, 4]);
  const pairOf = (category: string, layers = 2) => ({
    category,
    src: Array.from({ length: layers }, mk),
    tgt: Array.from({ length: layers }, mk),
    srcKps: [[1, 2], [7, 8]] as Keypoint[],
    tgtKps: [[2, 2], [6, 7]] as Keypoint[],
    bboxSize: 12,
    size: 12,
  });
  const batches = [[pairOf('a'), pairOf('b')], [pairOf('a')], [pairOf('c'), pairOf('b')]];
  describeAccumulator('KeypointAccumulator', {
    make: () => new KeypointAccumulator({ alphas: [0.1, 0.2] }),
    fromJSON: (json, o) => KeypointAccumulator.fromJSON(json, o),
    batches: () => batches,
    badBatch: () => [pairOf('a', 3)],
    numbers: (o) => [...o.perCategory.data, ...o.mean.data, ...o.keypoints],
    tolerance: 1e-12,
  });
}
