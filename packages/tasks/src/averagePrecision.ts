import { VitValueError } from '@vit/io';

/**
 * Average precision of one query by the trapezoid rule of the revisited Oxford/Paris protocol
 * (SPEC 15): `AP = Σ_j ((p₀ + p₁)/2) / nPos` over the positives in rank order, with
 * `p₀ = j/r` (1 when `r = 0`) and `p₁ = (j+1)/(r+1)`, where `r` is the positive's 0-based rank
 * after junk removal and `j` the number of positives ranked before it. Positives missing from
 * `ranks` (never retrieved) contribute 0.
 *
 * @param ranks 0-based, junk-adjusted ranks of the retrieved positives, strictly increasing.
 * @param nPos Number of positives of the query (≥ `ranks.length`).
 * @returns AP in [0, 1].
 * @throws VitValueError when `nPos < 1`, `nPos < ranks.length`, or `ranks` is not strictly increasing non-negative integers.
 * @example
 * averagePrecision([0, 2], 2) // ((1 + 1)/2 + (1/2 + 2/3)/2) / 2 = 0.7916…
 */
export function averagePrecision(ranks: ArrayLike<number>, nPos: number): number {
  const fn = 'averagePrecision';
  if (!Number.isInteger(nPos) || nPos < 1 || nPos < ranks.length) {
    throw new VitValueError(`\`nPos\` of ${fn} must be an integer ≥ max(1, ranks.length = ${ranks.length}). Got ${nPos}.`);
  }
  let ap = 0;
  let prev = -1;
  for (let j = 0; j < ranks.length; j++) {
    const r = ranks[j];
    if (!Number.isInteger(r) || r <= prev) {
      throw new VitValueError(`\`ranks\` of ${fn} must be strictly increasing integers ≥ 0. Got ${r} at position ${j} after ${prev}.`);
    }
    prev = r;
    const p0 = r === 0 ? 1 : j / r;
    const p1 = (j + 1) / (r + 1);
    ap += (p0 + p1) / 2;
  }
  return ap / nPos;
}
