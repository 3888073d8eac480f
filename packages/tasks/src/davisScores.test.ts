import { describe, expect, it } from 'vitest';
import { tensor } from '@vit/io';
import { boundaryF } from './boundaryF.js';
import { davisScores } from './davisScores.js';
import { jaccard } from './jaccard.js';

const mask = (h: number, w: number, on: (y: number, x: number) => boolean | number) => {
  const d = new Uint8Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) d[y * w + x] = Number(on(y, x));
  return tensor(d, [h, w]);
};

/** Direct boundary F: boundary per SPEC, explicit disc dilation, counts. */
function slowF(a: Uint8Array, b: Uint8Array, h: number, w: number, r: number): number {
  const at = (m: Uint8Array, y: number, x: number) => (y < h && x < w ? m[y * w + x] : 0);
  const bmap = (m: Uint8Array) => {
    const out = new Uint8Array(h * w);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = m[y * w + x];
        let on = false;
        if (y === h - 1 && x === w - 1) on = false;
        else if (y === h - 1) on = v !== at(m, y, x + 1);
        else if (x === w - 1) on = v !== at(m, y + 1, x);
        else on = v !== at(m, y, x + 1) || v !== at(m, y + 1, x) || v !== at(m, y + 1, x + 1);
        out[y * w + x] = on ? 1 : 0;
      }
    }
    return out;
  };
  const dilate = (m: Uint8Array) => {
    const out = new Uint8Array(h * w);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (!m[y * w + x]) continue;
        for (let dy = -r; dy <= r; dy++) {
          for (let dx = -r; dx <= r; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            if (dx * dx + dy * dy <= r * r && yy >= 0 && yy < h && xx >= 0 && xx < w) out[yy * w + xx] = 1;
          }
        }
      }
    }
    return out;
  };
  const pb = bmap(a);
  const gb = bmap(b);
  const pd = dilate(pb);
  const gd = dilate(gb);
  let np = 0;
  let ng = 0;
  let mp = 0;
  let mg = 0;
  for (let i = 0; i < h * w; i++) {
    np += pb[i];
    ng += gb[i];
    mp += pb[i] & gd[i];
    mg += gb[i] & pd[i];
  }
  if (np === 0 && ng === 0) return 1;
  if (np === 0 || ng === 0) return 0;
  const P = mp / np;
  const R = mg / ng;
  return P + R === 0 ? 0 : (2 * P * R) / (P + R);
}

describe('jaccard', () => {
  it('is the IoU of known masks, 1 when both are empty', () => {
    // 4×4 block vs the same block shifted right by 2: intersection 8, union 24
    const a = mask(8, 8, (y, x) => y >= 2 && y < 6 && x >= 1 && x < 5);
    const b = mask(8, 8, (y, x) => y >= 2 && y < 6 && x >= 3 && x < 7);
    expect(jaccard(a, b)).toBeDeepCloseTo(8 / 24, 1e-12);
    expect(jaccard(a, a)).toBe(1);
    expect(jaccard(mask(3, 3, () => 0), mask(3, 3, () => 0))).toBe(1);
    expect(jaccard(a, mask(8, 8, () => 0))).toBe(0);
    // labels other than 1 count as foreground
    expect(jaccard(mask(2, 2, (y) => (y === 0 ? 7 : 0)), mask(2, 2, (y, x) => x === 0))).toBeDeepCloseTo(1 / 3, 1e-12);
    expect(() => jaccard(a, mask(8, 7, () => 1))).toThrow(expect.objectContaining({ code: 'VIT_SHAPE', message: expect.stringMatching(/`pred` of jaccard must be \[\d+,\d+\] like the first mask/) }));
  });
});

describe('boundaryF', () => {
  it('has the boundary the SPEC defines: a 2×2 square in a 5×5 frame, radius 0', () => {
    // 2×2 square at rows/cols 1..2. By hand, the marked pixels (differing from the right, lower or
    // lower-right neighbour) are (0,0),(0,1),(0,2),(1,0),(2,0),(1,2),(2,1),(2,2): 8 pixels. The square
    // shifted by one pixel down-right has (1,1),(1,2),(1,3),(2,1),(3,1),(2,3),(3,2),(3,3); they share
    // (1,2) and (2,1) → P = R = F = 2/8.
    const sq = mask(5, 5, (y, x) => y >= 1 && y <= 2 && x >= 1 && x <= 2);
    const shifted = mask(5, 5, (y, x) => y >= 2 && y <= 3 && x >= 2 && x <= 3);
    const r0 = boundaryF(sq, shifted, { radius: 0 });
    const d = (m: ReturnType<typeof mask>) => m.data as Uint8Array;
    expect([r0.precision, r0.recall, r0.F]).toBeDeepCloseTo([2 / 8, 2 / 8, 2 / 8], 1e-12);
    expect(r0.F).toBeDeepCloseTo(slowF(d(sq), d(shifted), 5, 5, 0), 1e-12);
    expect(boundaryF(sq, sq, { radius: 0 }).F).toBe(1);
  });

  it('equals a direct implementation on a square shifted by 1 px and on discs', () => {
    const H = 60;
    const W = 80;
    const sq = mask(H, W, (y, x) => y >= 10 && y < 40 && x >= 20 && x < 50);
    const sq1 = mask(H, W, (y, x) => y >= 10 && y < 40 && x >= 21 && x < 51);
    const disc = mask(H, W, (y, x) => (y - 30) ** 2 + (x - 40) ** 2 <= 15 ** 2);
    const disc2 = mask(H, W, (y, x) => (y - 33) ** 2 + (x - 44) ** 2 <= 12 ** 2);
    const d = (m: ReturnType<typeof mask>) => m.data as Uint8Array;
    const rDefault = Math.ceil(0.008 * Math.hypot(H, W)); // = 1
    for (const [a, b] of [[sq, sq1], [disc, disc2], [sq, disc], [disc, sq1]] as const) {
      for (const r of [0, 1, 2, 4]) {
        expect(boundaryF(a, b, { radius: r }).F).toBeDeepCloseTo(slowF(d(a), d(b), H, W, r), 1e-12);
      }
      expect(boundaryF(a, b).F).toBeDeepCloseTo(slowF(d(a), d(b), H, W, rDefault), 1e-12);
    }
    // shifted by 1 px: every boundary pixel is within the default radius 1 of the other boundary
    expect(boundaryF(sq, sq1).F).toBe(1);
    // radius 0, by hand: each square has 120 boundary pixels (row 9: 31, left column: 30, bottom row: 30,
    // right column: 29); they share row 9 cols 20..49 (30) and row 39 cols 20..49 (30) → P = R = F = 60/120
    expect(boundaryF(sq, sq1, { radius: 0 })).toEqual({ F: 0.5, precision: 0.5, recall: 0.5 });
  });

  it('handles the empty cases as DAVIS does', () => {
    const empty = mask(10, 10, () => 0);
    const full = mask(10, 10, () => 1); // a full mask has no boundary either
    const blob = mask(10, 10, (y, x) => y > 3 && y < 7 && x > 3 && x < 7);
    expect(boundaryF(empty, empty).F).toBe(1);
    expect(boundaryF(full, empty).F).toBe(1);
    // truth first: a missed object has recall 0 (precision 1: nothing predicted is wrong)
    expect(boundaryF(blob, empty)).toEqual({ F: 0, precision: 1, recall: 0 });
    expect(boundaryF(empty, blob)).toEqual({ F: 0, precision: 0, recall: 1 });
  });
});

describe('davisScores', () => {
  const H = 20;
  const W = 30;
  // Two objects: 1 = left box, 2 = right box. Five frames; frames 0 and 4 are not scored.
  const gtFrame = (s: number) => mask(H, W, (y, x) => (y >= 5 && y < 15 && x >= 2 + s && x < 10 + s ? 1 : y >= 4 && y < 12 && x >= 18 && x < 26 ? 2 : 0));
  const gt = [0, 1, 2, 3, 4].map(gtFrame);

  it('averages J and F per object over frames 1..N−2, then over objects', () => {
    // Prediction: object 1 lags one frame behind; object 2 is missed in frame 2; garbage in frames 0 and 4.
    const pred = [
      mask(H, W, () => 0),
      gtFrame(0),
      mask(H, W, (y, x) => (y >= 5 && y < 15 && x >= 3 && x < 11 ? 1 : 0)),
      gtFrame(2),
      mask(H, W, () => 2),
    ];
    const s = davisScores(gt, pred);
    // object 1: frame 1: shift 1 of an 8-wide box → IoU 70/90; frame 2: shift 1 → 70/90; frame 3: shift 1 → 70/90
    const j1 = 70 / 90;
    // object 2: frames 1 and 3 exact, frame 2 missed → (1 + 0 + 1)/3
    const j2 = 2 / 3;
    expect(s.perObject.map((o) => o.id)).toEqual([1, 2]);
    expect(s.perObject[0].J).toBeDeepCloseTo(j1, 1e-12);
    expect(s.perObject[1].J).toBeDeepCloseTo(j2, 1e-12);
    expect(s.J).toBeDeepCloseTo((j1 + j2) / 2, 1e-12);
    const id = (m: ReturnType<typeof mask>, k: number) => Uint8Array.from(m.data as Uint8Array, (v) => (v === k ? 1 : 0));
    const r = Math.ceil(0.008 * Math.hypot(H, W));
    const f1 = [1, 2, 3].map((t) => slowF(id(pred[t], 1), id(gt[t], 1), H, W, r));
    const f2 = [1, 2, 3].map((t) => slowF(id(pred[t], 2), id(gt[t], 2), H, W, r));
    expect(s.perObject[0].perFrameF).toBeDeepCloseTo(f1, 1e-12);
    expect(s.perObject[1].perFrameF).toBeDeepCloseTo(f2, 1e-12);
    const F = (f1.reduce((a, b) => a + b) / 3 + f2.reduce((a, b) => a + b) / 3) / 2;
    expect(s.F).toBeDeepCloseTo(F, 1e-12);
    expect(s.JF).toBeDeepCloseTo(((j1 + j2) / 2 + F) / 2, 1e-12);
  });

  it('rejects an empty first frame, too few frames and mismatched shapes', () => {
    const empty = mask(H, W, () => 0);
    expect(() => davisScores([empty, gt[1], gt[2]], [empty, empty, empty])).toThrow(expect.objectContaining({ code: 'VIT_EMPTY_MASK', message: expect.stringMatching(/`truth\[0\]` of davisScores must contain at least one object/) }));
    expect(() => davisScores(gt.slice(0, 2), gt.slice(0, 2))).toThrow(/at least 3 frames/);
    expect(() => davisScores(gt, gt.slice(0, 4))).toThrow(/`pred` of davisScores must hold one label map per frame \(5\)\. Got 4/);
    expect(() => davisScores(gt, [gt[0], mask(H, W + 1, () => 0), gt[2], gt[3], gt[4]])).toThrow(/`pred\[1\]` of davisScores must be \[20,30\] like the first mask/);
  });
});
