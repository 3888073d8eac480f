import { VitValueError, shapeText, type Tensor } from '@vit/io';
import type { AttentionCheckOptions, AttentionGrid } from '../grid.js';

/** A validated, C-contiguous float32 view of one attention tensor `[B,H,T,T]`. */
export interface AttentionView {
  data: Float32Array;
  /** Index of element `[0,0,0,0]` in `data`. */
  off: number;
  B: number;
  H: number;
  T: number;
  P: number;
  gh: number;
  gw: number;
  /** Spatial tokens `gh·gw`. */
  N: number;
}

const isInt = (x: unknown, min: number): x is number => typeof x === 'number' && Number.isInteger(x) && x >= min;

/** Checks `grid = { gh, gw, prefix }` (positive integers, prefix ≥ 0). */
export function checkGrid(grid: unknown, fn: string): asserts grid is AttentionGrid {
  const g = grid as AttentionGrid | null | undefined;
  if (!g || typeof g !== 'object' || !isInt(g.gh, 1) || !isInt(g.gw, 1) || !isInt(g.prefix, 0)) {
    const got = g && typeof g === 'object' ? `{ gh: ${g.gh}, gw: ${g.gw}, prefix: ${g.prefix} }` : String(g);
    throw new VitValueError(`\`grid\` of ${fn} must be { gh, gw, prefix } with gh, gw ≥ 1 and prefix ≥ 0 integers. Got ${got}.`);
  }
}

/** Throws the "no CLS token" error of the CLS analyses. */
export function requireCls(grid: AttentionGrid, fn: string, hint: string): void {
  if (grid.prefix < 1) {
    throw new VitValueError(
      `\`grid.prefix\` of ${fn} must be ≥ 1: the CLS token is prefix token 0. Got 0 (a model without CLS); ${hint}.`,
      { code: 'VIT_NO_CLS' },
    );
  }
}

/**
 * Validates `att` as `[B,H,T,T]` with `T = prefix + gh·gw` and returns a C-contiguous float32
 * view of it (copying once only when the input is strided or not float32).
 */
export function attentionView(att: unknown, grid: AttentionGrid, fn: string, name = 'att'): AttentionView {
  checkGrid(grid, fn);
  const { gh, gw, prefix: P } = grid;
  const N = gh * gw;
  const T = P + N;
  const t = att as Tensor;
  if (!t || typeof t !== 'object' || !Array.isArray(t.shape) || !ArrayBuffer.isView(t.data)) {
    throw new VitValueError(`\`${name}\` of ${fn} must be an ndarray tensor [B,H,T,T] over a typed array. Got ${t === null ? 'null' : typeof t}.`);
  }
  const s = t.shape;
  if (s.length !== 4 || s[2] !== T || s[3] !== T) {
    throw new VitValueError(
      `\`${name}\` of ${fn} must have shape [B,H,T,T] with T = prefix + gh·gw = ${T}. Got ${shapeText(s)}.`,
      { code: 'VIT_SHAPE' },
    );
  }
  const [B, H] = s;
  const st = t.stride;
  const cOrder = st[3] === 1 && st[2] === T && st[1] === T * T && (st[0] === H * T * T || B === 1);
  if (cOrder && t.data instanceof Float32Array) {
    return { data: t.data, off: t.offset, B, H, T, P, gh, gw, N };
  }
  // Strided or non-float32 input: one copy, by stride arithmetic.
  const src = t.data as unknown as ArrayLike<number>;
  const out = new Float32Array(B * H * T * T);
  let o = 0;
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let q = 0; q < T; q++) {
        const base = t.offset + b * st[0] + h * st[1] + q * st[2];
        for (let k = 0; k < T; k++) out[o++] = Number(src[base + k * st[3]]);
      }
  return { data: out, off: 0, B, H, T, P, gh, gw, N };
}

/**
 * Tracks the worst row-sum deviation seen and raises the non-finite error. One per public
 * call (or per accumulator), so the warning is issued once.
 */
export class RowStats {
  worst = 0;
  where = '';
  warned = false;
  layer: number | undefined;
  readonly tol: number;
  readonly onWarning: (m: string) => void;
  constructor(
    readonly fn: string,
    public name: string,
    o: AttentionCheckOptions = {},
  ) {
    this.layer = o.layer;
    this.tol = o.rowTolerance ?? 1e-3;
    this.onWarning = o.onWarning ?? ((m: string) => console.warn(m));
    if (!(this.tol >= 0)) throw new VitValueError(`\`rowTolerance\` of ${fn} must be a number ≥ 0. Got ${o.rowTolerance}.`);
  }

  private at(b: number, h: number, q: number): string {
    const l = this.layer === undefined ? '' : `layer ${this.layer}, `;
    return `${l}head ${h + 1} (image ${b + 1}, query row ${q + 1})`;
  }

  /** Records a row whose sum deviates by `dev` (called only when `dev > worst`). */
  note(dev: number, b: number, h: number, q: number): void {
    this.worst = dev;
    this.where = this.at(b, h, q);
  }

  /** Throws for the non-finite value in row `q` of `[b,h]`. */
  fail(v: AttentionView, b: number, h: number, q: number): never {
    const row = v.off + ((b * v.H + h) * v.T + q) * v.T;
    let bad = NaN;
    for (let k = 0; k < v.T; k++) {
      if (!Number.isFinite(v.data[row + k])) {
        bad = v.data[row + k];
        break;
      }
    }
    throw new VitValueError(
      `\`${this.name}\` of ${this.fn} contains ${bad} in ${this.at(b, h, q)}. Remove or repair non-finite values first.`,
      { code: 'VIT_NON_FINITE' },
    );
  }

  /** Issues the warning once if the worst deviation exceeds the tolerance. */
  flush(): void {
    if (this.warned || !(this.worst > this.tol)) return;
    this.warned = true;
    this.onWarning(
      `\`${this.name}\` of ${this.fn}: attention rows do not sum to 1 (worst deviation ${this.worst.toPrecision(3)} at ${this.where}); ` +
        `is this post-softmax attention? The analyses renormalise the spatial part as SPEC.md defines.`,
    );
  }
}

/**
 * Distance (unit-square embedding, SPEC 4) for every cell of the aligned window
 * `(2gh−1)×(2gw−1)`: cell `(u,v)` is the offset `(u−gh+1, v−gw+1)` from the query.
 */
export function distanceTable(gh: number, gw: number): Float64Array {
  const Wh = 2 * gh - 1;
  const Ww = 2 * gw - 1;
  const scale = Math.max(gh, gw) - 1 || 1; // a 1×1 grid has only distance 0
  const d = new Float64Array(Wh * Ww);
  for (let u = 0; u < Wh; u++)
    for (let v = 0; v < Ww; v++) d[u * Ww + v] = Math.hypot(u - gh + 1, v - gw + 1) / scale;
  return d;
}

/**
 * Fraction of the non-null queries (weighted by `qcount [N]`) whose aligned window covers
 * each cell of the `(2gh−1)×(2gw−1)` window, written into `out`.
 */
export function coverageFraction(qcount: ArrayLike<number>, qoff: number, gh: number, gw: number, out: Float64Array): void {
  const Ww = 2 * gw - 1;
  out.fill(0);
  let total = 0;
  for (let i = 0; i < gh; i++)
    for (let j = 0; j < gw; j++) {
      const n = qcount[qoff + i * gw + j];
      if (n === 0) continue;
      total += n;
      let w = (gh - 1 - i) * Ww + (gw - 1 - j);
      for (let r = 0; r < gh; r++, w += Ww) for (let c = 0; c < gw; c++) out[w + c] += n;
    }
  if (total > 0) for (let w = 0; w < out.length; w++) out[w] /= total;
}

/** Buckets of the mass-mask selection (module-level scratch: the function is not re-entrant). */
const NB = 64;
const bucketSum = new Float64Array(NB);
const bucketCount = new Int32Array(NB);

/**
 * The 0.6-mass mask of SPEC 5 for `map[moff .. moff+n)`: tokens in decreasing order of value
 * (ties by index) until the cumulative share reaches `mass` (within a relative 1e-6, so a
 * share that is exactly `mass` on paper is not lost to float32 rounding). Writes 0/1 into `out`
 * and returns the number of tokens kept; an all-zero map gives an empty mask.
 *
 * Equivalent to sorting, in O(n): values go into 64 value-range buckets; whole buckets are
 * taken from the top while they do not reach the target, and only the bucket where the target
 * is reached is sorted.
 */
export function massMask(map: ArrayLike<number>, moff: number, n: number, mass: number, out: Uint8Array, scratch: Float64Array): number {
  let total = 0;
  let max = 0;
  for (let k = 0; k < n; k++) {
    const x = map[moff + k];
    total += x;
    if (x > max) max = x;
  }
  out.fill(0, 0, n);
  if (!(total > 0)) return 0;
  const target = mass * total - 1e-6 * total;
  bucketSum.fill(0);
  bucketCount.fill(0);
  const scale = NB / max;
  for (let k = 0; k < n; k++) {
    const x = map[moff + k];
    let bi = (x * scale) | 0;
    if (bi >= NB) bi = NB - 1;
    else if (bi < 0) bi = 0;
    bucketSum[bi] += x;
    bucketCount[bi]++;
  }
  let cum = 0;
  let m = 0;
  let bi = NB - 1;
  for (; bi > 0; bi--) {
    if (cum + bucketSum[bi] >= target) break;
    cum += bucketSum[bi];
    m += bucketCount[bi];
  }
  // The boundary bucket, sorted (ascending, native), taken from its largest value down.
  let nb = 0;
  for (let k = 0; k < n; k++) {
    const x = map[moff + k];
    let b = (x * scale) | 0;
    if (b >= NB) b = NB - 1;
    else if (b < 0) b = 0;
    if (b === bi) scratch[nb++] = x;
  }
  const sorted = scratch.subarray(0, nb).sort();
  let thr = 0;
  for (let k = nb - 1; k >= 0; k--) {
    cum += sorted[k];
    m++;
    thr = sorted[k];
    if (cum >= target) break;
  }
  // Everything above the threshold value, then ties at it by increasing token index.
  let above = 0;
  for (let k = 0; k < n; k++) if (map[moff + k] > thr) above++;
  let ties = m - above;
  for (let k = 0; k < n; k++) {
    const x = map[moff + k];
    if (x > thr) out[k] = 1;
    else if (x === thr && ties > 0) {
      out[k] = 1;
      ties--;
    }
  }
  return m;
}
