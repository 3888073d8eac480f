// The comparison of two studies' results of the Slurm test (tools/slurm/test.mjs).

/**
 * Compare two studies' report inputs: the same structure, equal strings, numbers (plain and in
 * tensors) within `rel` relative: |a - b| <= rel * max(|a|, |b|), or both below 1e-12 in size.
 * The provenance (timings, command line, shard counts) is allowed to differ.
 * @param a, b the `ReportInput`s (readResults of @vit/report).
 * @param rel the relative tolerance.
 * @returns the differences (empty when equal) and how many numbers were compared.
 */
export function compareStudies(a, b, rel) {
  const diffs = [];
  let numbers = 0;
  let worst = 0;
  const num = (x, y, path) => {
    numbers++;
    if (Number.isNaN(x) && Number.isNaN(y)) return;
    const d = Math.abs(x - y);
    const m = Math.max(Math.abs(x), Math.abs(y));
    if (m > 1e-12) worst = Math.max(worst, d / m);
    if (!(d <= rel * m || m <= 1e-12)) diffs.push(`${path}: ${x} vs ${y}`);
  };
  const walk = (x, y, path) => {
    if (diffs.length > 20) return;
    if (path === '.provenance') return;
    const tx = x && typeof x === 'object' && ArrayBuffer.isView(x.data) && Array.isArray(x.shape);
    const ty = y && typeof y === 'object' && ArrayBuffer.isView(y.data) && Array.isArray(y.shape);
    if (tx || ty) {
      if (!(tx && ty)) return diffs.push(`${path}: a tensor in one result only`);
      if (x.shape.join() !== y.shape.join()) return diffs.push(`${path}: shape [${x.shape}] vs [${y.shape}]`);
      const dx = x.data.subarray(x.offset ?? 0, (x.offset ?? 0) + x.size);
      const dy = y.data.subarray(y.offset ?? 0, (y.offset ?? 0) + y.size);
      for (let i = 0; i < dx.length; i++) num(Number(dx[i]), Number(dy[i]), `${path}[${i}]`);
      return;
    }
    if (typeof x === 'number' && typeof y === 'number') return num(x, y, path);
    if (Array.isArray(x) || Array.isArray(y)) {
      if (!(Array.isArray(x) && Array.isArray(y)) || x.length !== y.length) return diffs.push(`${path}: arrays of length ${x?.length} vs ${y?.length}`);
      x.forEach((v, i) => walk(v, y[i], `${path}[${i}]`));
      return;
    }
    if (x && y && typeof x === 'object' && typeof y === 'object') {
      const kx = Object.keys(x).filter((k) => x[k] !== undefined).sort();
      const ky = Object.keys(y).filter((k) => y[k] !== undefined).sort();
      if (kx.join() !== ky.join()) return diffs.push(`${path}: keys {${kx}} vs {${ky}}`);
      for (const k of kx) walk(x[k], y[k], `${path}.${k}`);
      return;
    }
    if (x !== y) diffs.push(`${path}: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
  };
  walk(a, b, '');
  return { diffs, numbers, worst };
}
