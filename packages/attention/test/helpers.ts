// Test fixtures and slow, obviously-correct reference implementations (ndarray get/set,
// explicit formulas straight from SPEC.md) that the fast kernels are checked against.
import { tensor, type Tensor } from '@vit/io';
import { mulberry32 } from '@vit/test-utils';
import type { AttentionGrid } from '../src/grid.js';

export const rng = mulberry32;

/** Row-stochastic attention: softmax of random logits with scale `sharp`. */
export function randomAttention(B: number, H: number, grid: AttentionGrid, seed = 1, sharp = 3): Tensor {
  const T = grid.prefix + grid.gh * grid.gw;
  const r = rng(seed);
  const data = new Float32Array(B * H * T * T);
  for (let row = 0; row < B * H * T; row++) {
    let s = 0;
    for (let k = 0; k < T; k++) {
      const e = Math.exp(sharp * r());
      data[row * T + k] = e;
      s += e;
    }
    for (let k = 0; k < T; k++) data[row * T + k] /= s;
  }
  return tensor(data, [B, H, T, T]);
}

export type Plant = 'self' | 'right' | 'soft' | 'row' | 'uniform';

/**
 * Planted heads, one per entry of `kinds`. Spatial query `(i,j)` attends uniformly to a set of
 * cells: self, its right neighbour, its 3×3 neighbourhood, its whole row, everything. When
 * `nullEdges` and the set would be cut by the border (right: last column; soft: border cells),
 * the query gives all its mass to the CLS token instead, i.e. its spatial row is null.
 * Otherwise cut sets are renormalised (right neighbour: last column attends to itself).
 * Prefix rows attend uniformly to everything.
 */
export function plantedAttention(kinds: readonly Plant[], grid: AttentionGrid, B = 1, nullEdges = true): Tensor {
  const { gh, gw, prefix: P } = grid;
  const T = P + gh * gw;
  const H = kinds.length;
  const att = tensor(new Float32Array(B * H * T * T), [B, H, T, T]);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++) {
      for (let q = 0; q < P; q++) for (let k = 0; k < T; k++) att.set(b, h, q, k, 1 / T);
      for (let i = 0; i < gh; i++)
        for (let j = 0; j < gw; j++) {
          const cells: [number, number][] = [];
          let cut = false;
          const kind = kinds[h];
          if (kind === 'self') cells.push([i, j]);
          if (kind === 'right') {
            if (j + 1 < gw) cells.push([i, j + 1]);
            else {
              cut = true;
              cells.push([i, j]);
            }
          }
          if (kind === 'soft')
            for (let r = i - 1; r <= i + 1; r++)
              for (let c = j - 1; c <= j + 1; c++) {
                if (r >= 0 && r < gh && c >= 0 && c < gw) cells.push([r, c]);
                else cut = true;
              }
          if (kind === 'row') for (let c = 0; c < gw; c++) cells.push([i, c]);
          if (kind === 'uniform') for (let r = 0; r < gh; r++) for (let c = 0; c < gw; c++) cells.push([r, c]);
          const q = P + i * gw + j;
          if (cut && nullEdges) {
            att.set(b, h, q, 0, 1);
            continue;
          }
          for (const [r, c] of cells) att.set(b, h, q, P + r * gw + c, 1 / cells.length);
        }
    }
  return att;
}

/** Spatial sub-attention row `S[q,:]` (renormalised), or null for a null row. */
export function spatialRow(att: Tensor, b: number, h: number, q: number, grid: AttentionGrid): number[] | null {
  const N = grid.gh * grid.gw;
  const row: number[] = [];
  let s = 0;
  for (let k = 0; k < N; k++) {
    row.push(att.get(b, h, grid.prefix + q, grid.prefix + k));
    s += row[k];
  }
  return s === 0 ? null : row.map((x) => x / s);
}

/** SPEC 1, literally: [H][gh*gw]. */
export function refCls(att: Tensor, grid: AttentionGrid, variant: 'cls' | 'spatial' | 'spatialPure'): number[][] {
  const [B, H] = att.shape;
  const N = grid.gh * grid.gw;
  const out: number[][] = [];
  for (let h = 0; h < H; h++) {
    const m = new Array(N).fill(0);
    let n = 0;
    for (let b = 0; b < B; b++) {
      const rows: number[][] = [];
      if (variant === 'cls') rows.push(Array.from({ length: N }, (_, k) => att.get(b, h, 0, grid.prefix + k)));
      else
        for (let q = 0; q < N; q++) {
          if (variant === 'spatial') rows.push(Array.from({ length: N }, (_, k) => att.get(b, h, grid.prefix + q, grid.prefix + k)));
          else {
            const s = spatialRow(att, b, h, q, grid);
            if (s) rows.push(s);
          }
        }
      for (const r of rows) {
        r.forEach((x, k) => (m[k] += x));
        n++;
      }
    }
    out.push(m.map((x) => x / n));
  }
  return out;
}

/** SPEC 2, literally: [H][(2gh−1)*(2gw−1)]. */
export function refAligned(att: Tensor, grid: AttentionGrid, coverage = false): number[][] {
  const [B, H] = att.shape;
  const { gh, gw } = grid;
  const Wh = 2 * gh - 1;
  const Ww = 2 * gw - 1;
  const out: number[][] = [];
  for (let h = 0; h < H; h++) {
    const win = new Array(Wh * Ww).fill(0);
    const cover = new Array(Wh * Ww).fill(0);
    let n = 0;
    for (let b = 0; b < B; b++)
      for (let i = 0; i < gh; i++)
        for (let j = 0; j < gw; j++) {
          const s = spatialRow(att, b, h, i * gw + j, grid);
          if (!s) continue;
          n++;
          for (let r = 0; r < gh; r++)
            for (let c = 0; c < gw; c++) {
              const u = gh - 1 - i + r;
              const v = gw - 1 - j + c;
              win[u * Ww + v] += s[r * gw + c];
              cover[u * Ww + v] += 1;
            }
        }
    out.push(win.map((x, w) => (n === 0 ? 0 : coverage ? (cover[w] === 0 ? 0 : x / n / (cover[w] / n)) : x / n)));
  }
  return out;
}

/** SPEC 4, literally: [B][H]. */
export function refDistance(att: Tensor, grid: AttentionGrid): number[][] {
  const [B, H] = att.shape;
  const { gh, gw } = grid;
  const g = Math.max(gh, gw);
  const pos = (t: number) => [(t % gw) / (g - 1), Math.floor(t / gw) / (g - 1)];
  const out: number[][] = [];
  for (let b = 0; b < B; b++) {
    const rowOut: number[] = [];
    for (let h = 0; h < H; h++) {
      let acc = 0;
      let n = 0;
      for (let q = 0; q < gh * gw; q++) {
        const s = spatialRow(att, b, h, q, grid);
        if (!s) continue;
        const [xq, yq] = pos(q);
        let d = 0;
        s.forEach((w, k) => {
          const [xk, yk] = pos(k);
          d += w * Math.sqrt((xq - xk) ** 2 + (yq - yk) ** 2);
        });
        acc += d;
        n++;
      }
      rowOut.push(n ? acc / n : NaN);
    }
    out.push(rowOut);
  }
  return out;
}

/** SPEC 5 mask, literally: sort with a comparator, accumulate normalised mass. */
export function refMask(map: readonly number[], mass = 0.6): Uint8Array {
  const total = map.reduce((a, b) => a + b, 0);
  const idx = map.map((_, i) => i).sort((a, b) => map[b] - map[a] || a - b);
  const out = new Uint8Array(map.length);
  let cum = 0;
  for (const i of idx) {
    out[i] = 1;
    cum += map[i] / total;
    if (cum >= mass - 1e-6) break;
  }
  return out;
}

export function refIoU(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let i = 0;
  let u = 0;
  for (let k = 0; k < a.length; k++) {
    if (a[k] && b[k]) i++;
    if (a[k] || b[k]) u++;
  }
  return u === 0 ? 1 : i / u;
}

/** SPEC 5 per image and head ([B][H], NaN for empty gt) and merged ([B]). */
export function refSaliency(att: Tensor, gt: Tensor, grid: AttentionGrid, source: 'cls' | 'spatial', mass = 0.6): { each: number[][]; merged: number[] } {
  const [B, H] = att.shape;
  const N = grid.gh * grid.gw;
  const each: number[][] = [];
  const merged: number[] = [];
  for (let b = 0; b < B; b++) {
    const g = Array.from({ length: N }, (_, k) => (gt.get(b, Math.floor(k / grid.gw), k % grid.gw) > 0 ? 1 : 0));
    const empty = g.every((x) => x === 0);
    const sum = new Array(N).fill(0);
    const row: number[] = [];
    for (let h = 0; h < H; h++) {
      const m = new Array(N).fill(0);
      const qs = source === 'cls' ? [0] : Array.from({ length: N }, (_, q) => grid.prefix + q);
      for (const q of qs) for (let k = 0; k < N; k++) m[k] += att.get(b, h, q, grid.prefix + k);
      m.forEach((x, k) => (sum[k] += x));
      row.push(empty ? NaN : refIoU(refMask(m, mass), g));
    }
    each.push(row);
    merged.push(empty ? NaN : refIoU(refMask(sum, mass), g));
  }
  return { each, merged };
}

/** Uniform AAAM of a grid, [(2gh−1)*(2gw−1)]: (gh−|dy|)(gw−|dx|)/N². */
export function uniformAaam(gh: number, gw: number): number[] {
  const out: number[] = [];
  for (let u = 0; u < 2 * gh - 1; u++)
    for (let v = 0; v < 2 * gw - 1; v++) out.push(((gh - Math.abs(u - gh + 1)) * (gw - Math.abs(v - gw + 1))) / (gh * gw) ** 2);
  return out;
}

export const toArray = (t: Tensor): number[] => Array.from(t.data as Float32Array);
