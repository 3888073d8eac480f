import { VitValueError, shapeText, type Tensor } from '@vit/io';
import { aaamView, centreOfMass } from './internal/aaamInput.js';
import { distanceTable } from './internal/view.js';

/** The head classes of the taxonomy (SPEC 6; the paper's Figure 3 plus global and mixed). */
export type HeadClass = 'strict-local' | 'soft-local' | 'axial-local' | 'offset-local' | 'global' | 'mixed';

/** Tunable thresholds of {@link classifyHeads}; all shares are of the head's AAAM total. */
export interface ClassifyHeadsOptions {
  /**
   * `strict-local` when the centre cell (the query itself) holds at least this share.
   * @default 0.5
   */
  strictMass?: number;
  /**
   * Share a local neighbourhood must hold for `offset-local` (around the peak) and
   * `soft-local` (around the centre).
   * @default 0.5
   */
  localMass?: number;
  /**
   * Chebyshev radius, in tokens, of the neighbourhood around the peak for `offset-local`
   * (1 = the 3×3 block centred on the peak).
   * @default 1
   */
  peakRadius?: number;
  /**
   * Chebyshev radius, in tokens, of the neighbourhood around the centre for `soft-local`
   * (2 = the 5×5 block centred on the query).
   * @default 2
   */
  softRadius?: number;
  /**
   * `offset-local` needs a centre of mass at least this far from the query, in tokens;
   * `soft-local` needs it closer.
   * @default 0.5
   */
  minOffset?: number;
  /**
   * `offset-local` needs its peak at most this many tokens away (Chebyshev), so that a far
   * fixed hot spot is not called local.
   * @default 3
   */
  maxOffset?: number;
  /**
   * `axial-local` when the centre row ∪ centre column of the AAAM hold at least this share.
   * @default 0.7
   */
  axialMass?: number;
  /**
   * `axial-local` also needs this share on the centre row/column at least 2 tokens from the
   * query (the "arms"), so a compact blob is not called axial.
   * @default 0.25
   */
  armMass?: number;
  /**
   * `global` when the head's attention distance is at least this fraction of the distance of
   * uniform attention on the same grid.
   * @default 0.75
   */
  globalRatio?: number;
}

/** The numbers that decided a head's class. Offsets in tokens; dx right, dy down. */
export interface HeadEvidence {
  /** Share of the centre cell (attention to itself). */
  centreMass: number;
  /** Share within `softRadius` of the centre. */
  nearMass: number;
  /** The peak cell: the largest cell, ties (within 1e-6 relative) to the one nearest the centre. */
  peak: { dx: number; dy: number };
  /** Share of the peak cell. */
  peakMass: number;
  /** Share within `peakRadius` of the peak. */
  peakRegionMass: number;
  /** Share of the centre row (`dy = 0`). */
  rowMass: number;
  /** Share of the centre column (`dx = 0`). */
  columnMass: number;
  /** Share of the centre row ∪ centre column. */
  axialMass: number;
  /** Share of the centre row ∪ column at least 2 tokens from the query. */
  armMass: number;
  /** The AAAM's centre of mass (SPEC 3). */
  centreOfMass: { dx: number; dy: number };
  /** The head's attention distance as given. */
  distance: number;
  /** `distance` / the attention distance of uniform attention on this grid. */
  distanceRatio: number;
  /** The rule that fired, in words. */
  rule: string;
}

/** One head's class (a record). */
export interface HeadClassification {
  /** 1-based block number. */
  layer: number;
  /** 0-based head index. */
  head: number;
  class: HeadClass;
  /** For `offset-local`, the integer offset of the peak; otherwise null. */
  offset: { dx: number; dy: number } | null;
  evidence: HeadEvidence;
}

const DEFAULTS: Required<ClassifyHeadsOptions> = {
  strictMass: 0.5,
  localMass: 0.5,
  peakRadius: 1,
  softRadius: 2,
  minOffset: 0.5,
  maxOffset: 3,
  axialMass: 0.7,
  armMass: 0.25,
  globalRatio: 0.75,
};

/**
 * Head taxonomy (SPEC 6): every head gets one class from its AAAM and attention distance.
 * Rules, first match wins (shares are of the head's AAAM total):
 * 1. `strict-local`: centre share ≥ `strictMass`;
 * 2. `offset-local`: the peak is not the centre, lies within `maxOffset`, the
 *    `peakRadius`-neighbourhood of the peak holds ≥ `localMass`, and the centre of mass is at
 *    least `minOffset` from the query — reported with the peak's integer offset;
 * 3. `axial-local`: centre row ∪ centre column hold ≥ `axialMass`, of which ≥ `armMass` lies
 *    2 or more tokens from the query;
 * 4. `global`: distance ≥ `globalRatio` × the distance of uniform attention on this grid;
 * 5. `soft-local`: the `softRadius`-neighbourhood of the centre holds ≥ `localMass` and the
 *    centre of mass is within `minOffset`;
 * 6. `mixed`: anything else.
 *
 * @param aaam `[L,H,2gh−1,2gw−1]` (or one layer `[H,2gh−1,2gw−1]`), e.g. the AAAM accumulator's result.
 * @param distance Attention distance `[L,H]` (or `[H]`), unit-square units (SPEC 4).
 * @param options Thresholds, see {@link ClassifyHeadsOptions}.
 * @returns One {@link HeadClassification} per head, layer-major (`layer` 1-based, `head` 0-based).
 * @throws VitValueError when shapes disagree, values are not finite, or an option is out of range.
 * @example
 * const classes = classifyHeads(aaamResult.aaam, distanceResult.perHead);
 * classes.filter((c) => c.class === 'offset-local') // [{ layer: 2, head: 6, offset: { dx: 1, dy: 0 }, … }] (head 0-based)
 */
export function classifyHeads(aaam: Tensor, distance: Tensor, options: ClassifyHeadsOptions = {}): HeadClassification[] {
  const fn = 'classifyHeads';
  const o = { ...DEFAULTS };
  for (const [k, val] of Object.entries(options)) {
    if (val === undefined) continue;
    if (!(k in DEFAULTS)) throw new VitValueError(`\`options.${k}\` of ${fn} is not an option. Known: ${Object.keys(DEFAULTS).join(', ')}.`);
    const integral = k === 'peakRadius' || k === 'softRadius';
    if (typeof val !== 'number' || !(val >= 0) || (integral && !Number.isInteger(val))) {
      throw new VitValueError(`\`options.${k}\` of ${fn} must be a ${integral ? 'whole ' : ''}number ≥ 0. Got ${String(val)}.`);
    }
    (o as Record<string, number>)[k] = val;
  }
  const rank = aaam?.shape?.length;
  const lead = rank === 3 ? 1 : 2;
  const v = aaamView(aaam, lead, fn, 'aaam', '[L,H,2gh−1,2gw−1]');
  const L = lead === 2 ? v.lead[0] : 1;
  const H = v.lead[lead - 1];
  const expect = lead === 2 ? [L, H] : [H];
  if (!distance || !Array.isArray(distance.shape) || distance.shape.length !== expect.length || distance.shape.some((s, i) => s !== expect[i])) {
    throw new VitValueError(
      `\`distance\` of ${fn} must have shape ${shapeText(expect)} to match \`aaam\` ${shapeText(aaam.shape)}. Got ${distance && Array.isArray(distance.shape) ? shapeText(distance.shape) : typeof distance}.`,
      { code: 'VIT_SHAPE' },
    );
  }
  const { gh, gw, Wh, Ww, W } = v;
  const cu = gh - 1;
  const cv = gw - 1;
  const uniform = uniformDistance(gh, gw);
  const out: HeadClassification[] = [];
  for (let l = 0; l < L; l++)
    for (let h = 0; h < H; h++) {
      const k = l * H + h;
      const off = k * W;
      const a = v.data;
      const dIdx = lead === 2 ? distance.offset + l * distance.stride[0] + h * distance.stride[1] : distance.offset + h * distance.stride[0];
      const dist = Number((distance.data as unknown as ArrayLike<number>)[dIdx]);
      if (Number.isNaN(dist)) throw new VitValueError(`\`distance\` of ${fn} is NaN at layer ${l + 1}, head ${h} (0-based): every query row of that head was null.`);
      const com = centreOfMass(a, off, v);
      const total = com.total;
      const share = (x: number) => (total > 0 ? x / total : 0);
      let max = -Infinity;
      for (let w = 0; w < W; w++) if (a[off + w] > max) max = a[off + w];
      let pu = cu;
      let pv = cv;
      let best = Infinity;
      let row = 0;
      let col = 0;
      let near = 0;
      let arm = 0;
      for (let u = 0; u < Wh; u++)
        for (let c = 0; c < Ww; c++) {
          const x = a[off + u * Ww + c];
          if (u === cu) row += x;
          if (c === cv) col += x;
          if ((u === cu && Math.abs(c - cv) >= 2) || (c === cv && Math.abs(u - cu) >= 2)) arm += x;
          if (Math.abs(u - cu) <= o.softRadius && Math.abs(c - cv) <= o.softRadius) near += x;
          if (x >= max - 1e-6 * Math.abs(max)) {
            const r = (u - cu) ** 2 + (c - cv) ** 2;
            if (r < best) {
              best = r;
              pu = u;
              pv = c;
            }
          }
        }
      let region = 0;
      for (let u = Math.max(0, pu - o.peakRadius); u <= Math.min(Wh - 1, pu + o.peakRadius); u++)
        for (let c = Math.max(0, pv - o.peakRadius); c <= Math.min(Ww - 1, pv + o.peakRadius); c++) region += a[off + u * Ww + c];
      const centre = a[off + cu * Ww + cv];
      const peak = { dx: pv - cv, dy: pu - cu };
      const comDist = Math.hypot(com.dx, com.dy);
      const ev: HeadEvidence = {
        centreMass: share(centre),
        nearMass: share(near),
        peak,
        peakMass: share(a[off + pu * Ww + pv]),
        peakRegionMass: share(region),
        rowMass: share(row),
        columnMass: share(col),
        axialMass: share(row + col - centre),
        armMass: share(arm),
        centreOfMass: { dx: com.dx, dy: com.dy },
        distance: dist,
        distanceRatio: uniform > 0 ? dist / uniform : 0,
        rule: '',
      };
      let cls: HeadClass;
      const f = (x: number) => x.toFixed(3);
      if (ev.centreMass >= o.strictMass) {
        cls = 'strict-local';
        ev.rule = `centre share ${f(ev.centreMass)} ≥ strictMass ${o.strictMass}`;
      } else if (
        (peak.dx !== 0 || peak.dy !== 0) &&
        Math.max(Math.abs(peak.dx), Math.abs(peak.dy)) <= o.maxOffset &&
        ev.peakRegionMass >= o.localMass &&
        comDist >= o.minOffset
      ) {
        cls = 'offset-local';
        ev.rule = `peak at (${fmt(peak.dx)},${fmt(peak.dy)}) holds ${f(ev.peakRegionMass)} ≥ localMass ${o.localMass} within radius ${o.peakRadius}; centre of mass ${f(comDist)} ≥ minOffset ${o.minOffset} tokens away`;
      } else if (ev.axialMass >= o.axialMass && ev.armMass >= o.armMass) {
        cls = 'axial-local';
        ev.rule = `centre row ∪ column share ${f(ev.axialMass)} ≥ axialMass ${o.axialMass}, arms ${f(ev.armMass)} ≥ armMass ${o.armMass} (row ${f(ev.rowMass)}, column ${f(ev.columnMass)})`;
      } else if (ev.distanceRatio >= o.globalRatio) {
        cls = 'global';
        ev.rule = `distance ${f(dist)} is ${f(ev.distanceRatio)} × uniform ${f(uniform)} ≥ globalRatio ${o.globalRatio}`;
      } else if (ev.nearMass >= o.localMass && comDist < o.minOffset) {
        cls = 'soft-local';
        ev.rule = `share within radius ${o.softRadius} is ${f(ev.nearMass)} ≥ localMass ${o.localMass}; centre of mass ${f(comDist)} < minOffset ${o.minOffset}`;
      } else {
        cls = 'mixed';
        ev.rule = 'no rule matched';
      }
      out.push({ layer: l + 1, head: h, class: cls, offset: cls === 'offset-local' ? peak : null, evidence: ev });
    }
  return out;
}

/** Signed integer text, "+1" / "-2" / "0". */
function fmt(x: number): string {
  return x > 0 ? `+${x}` : String(x);
}

/** Attention distance of uniform attention on a `gh×gw` grid: the mean over all (query, key) pairs. */
function uniformDistance(gh: number, gw: number): number {
  const d = distanceTable(gh, gw);
  const Ww = 2 * gw - 1;
  let s = 0;
  for (let u = 0; u < 2 * gh - 1; u++)
    for (let c = 0; c < Ww; c++) s += (gh - Math.abs(u - gh + 1)) * (gw - Math.abs(c - gw + 1)) * d[u * Ww + c];
  return s / (gh * gw) ** 2;
}
