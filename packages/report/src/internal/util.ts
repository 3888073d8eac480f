import { VitValueError, type Tensor } from '@vit/io';

/** Element `i` (logical C order) of any tensor, for small read-outs. */
export function flat(t: Tensor<any>): Float64Array {
  const n = t.shape.reduce((a: number, b: number) => a * b, 1);
  const out = new Float64Array(n);
  const rank = t.shape.length;
  const idx = new Array<number>(rank).fill(0);
  const src = t.data as ArrayLike<number>;
  for (let i = 0; i < n; i++) {
    let o = t.offset;
    for (let a = 0; a < rank; a++) o += idx[a] * t.stride[a];
    out[i] = Number(src[o]);
    for (let a = rank - 1; a >= 0; a--) {
      if (++idx[a] < t.shape[a]) break;
      idx[a] = 0;
    }
  }
  return out;
}

/** Checks that `t` is a tensor of the given rank (and fixed sizes where given). */
export function checkTensor(t: unknown, name: string, fn: string, shape: (number | string)[]): asserts t is Tensor<any> {
  const x = t as Tensor<any>;
  const want = `[${shape.join(',')}]`;
  if (!x || !Array.isArray(x.shape) || !x.data || typeof x.offset !== 'number') {
    throw new VitValueError(`\`${name}\` of ${fn} must be a tensor ${want}. Got ${t === null ? 'null' : typeof t}.`, { code: 'VIT_SHAPE' });
  }
  if (x.shape.length !== shape.length || shape.some((s, i) => typeof s === 'number' && s !== x.shape[i]) || x.shape.some((s) => s < 1)) {
    throw new VitValueError(`\`${name}\` of ${fn} must have shape ${want}. Got [${x.shape.join(',')}].`, { code: 'VIT_SHAPE' });
  }
}

/** A per-layer series as plain arrays; `layers` defaults to 1..n. */
export function series(s: { layers?: number[]; values?: Tensor<any> } | undefined, values: Tensor<any> | undefined, name: string, fn: string): { layers: number[]; values: number[] } | null {
  if (!values) return null;
  checkTensor(values, name, fn, ['L']);
  const v = Array.from(flat(values));
  const layers = s?.layers ?? v.map((_, i) => i + 1);
  if (layers.length !== v.length) {
    throw new VitValueError(`\`${name}\` of ${fn} has ${v.length} values but \`layers\` lists ${layers.length}; give one value per listed layer.`, { code: 'VIT_SHAPE' });
  }
  return { layers, values: v };
}

/** HTML-escape text. */
export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Fixed-point number or an en dash for NaN / undefined. */
export function num(x: number | undefined | null, digits = 3): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '–';
}

/** Safe file-name part from a model name. */
export function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_') || 'model';
}
