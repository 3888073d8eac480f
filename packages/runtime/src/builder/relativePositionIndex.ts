/** Rows of BEiT's relative position bias table: every 2-D offset, plus cls→token, token→cls, cls→cls. */
export function relPosTableRows(grid: readonly [number, number]): number {
  return (2 * grid[0] - 1) * (2 * grid[1] - 1) + 3;
}

/**
 * BEiT's relative position index `[T,T]`, `T = P + gh·gw`, as timm's `gen_relative_position_index`
 * for `P = 1`: for patch tokens q=(i,j), k=(i',j') the row `(i−i'+gh−1)·(2gw−1) + (j−j'+gw−1)`; a
 * prefix query uses `R−3`, a prefix key `R−2`, prefix–prefix `R−1` (`R` = the table's rows). timm's
 * Beit has exactly one prefix token (CLS); with registers every prefix token is treated as the CLS
 * token, and without prefix tokens only the patch part remains (the three extra rows unused).
 */
export function relativePositionIndex(grid: readonly [number, number], prefix = 1): Int32Array {
  const [gh, gw] = grid;
  const n = gh * gw;
  const P = prefix;
  const T = P + n;
  const R = relPosTableRows(grid);
  const idx = new Int32Array(T * T);
  for (let q = 0; q < n; q++) {
    const qi = Math.floor(q / gw);
    const qj = q % gw;
    for (let k = 0; k < n; k++) {
      const ki = Math.floor(k / gw);
      const kj = k % gw;
      idx[(q + P) * T + (k + P)] = (qi - ki + gh - 1) * (2 * gw - 1) + (qj - kj + gw - 1);
    }
  }
  for (let q = 0; q < P; q++) for (let k = 0; k < T; k++) idx[q * T + k] = k < P ? R - 1 : R - 3;
  for (let q = P; q < T; q++) for (let k = 0; k < P; k++) idx[q * T + k] = R - 2;
  return idx;
}
