/**
 * The .npy header: a Python dict literal such as
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`. Parsed by a small strict
 * recursive-descent parser (strings, ints, True/False/None, tuples, lists, dicts); never eval.
 * Internal.
 */
import type { DType } from './tensor.js';

export type PyValue = string | number | boolean | null | PyValue[] | { tuple: PyValue[] } | Map<string, PyValue>;

const MAX_DEPTH = 16;

/** Parse a Python literal; throws a plain Error with a position on bad syntax. */
export function parsePyLiteral(src: string): PyValue {
  let i = 0;
  const ws = () => {
    while (i < src.length && (src[i] === ' ' || src[i] === '\t' || src[i] === '\n' || src[i] === '\r')) i++;
  };
  const fail = (what: string): never => {
    throw new Error(`${what} at character ${i}`);
  };
  const value = (depth: number): PyValue => {
    if (depth > MAX_DEPTH) fail('nesting too deep');
    ws();
    const c = src[i];
    if (c === '{') return dict(depth);
    if (c === '(' || c === '[') return seq(depth, c);
    if (c === "'" || c === '"') return str();
    if (c === '-' || (c >= '0' && c <= '9')) return int();
    for (const [word, v] of [['True', true], ['False', false], ['None', null]] as const) {
      if (src.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    return fail(c === undefined ? 'unexpected end' : `unexpected ${JSON.stringify(c)}`);
  };
  const str = (): string => {
    const q = src[i++];
    let out = '';
    while (i < src.length && src[i] !== q) {
      if (src[i] === '\\') {
        const e = src[i + 1];
        const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };
        if (e === undefined || !(e in map)) fail('unsupported escape');
        out += map[e];
        i += 2;
      } else if (src[i] === '\n') {
        fail('newline in string');
      } else out += src[i++];
    }
    if (src[i] !== q) fail('unterminated string');
    i++;
    return out;
  };
  const int = (): number => {
    const start = i;
    if (src[i] === '-') i++;
    const digits = i;
    while (i < src.length && src[i] >= '0' && src[i] <= '9') i++;
    if (i === digits || i - digits > 16) fail('bad integer');
    const v = Number(src.slice(start, i));
    if (src[i] === 'L') i++; // Python 2 longs, written by old numpy
    if (!Number.isSafeInteger(v)) fail('integer too large');
    return v;
  };
  const seq = (depth: number, open: string): PyValue => {
    const close = open === '(' ? ')' : ']';
    i++;
    const items: PyValue[] = [];
    let sawComma = false;
    for (;;) {
      ws();
      if (src[i] === close) {
        i++;
        break;
      }
      if (items.length > 0 && !sawComma) fail(`expected ',' or '${close}'`);
      items.push(value(depth + 1));
      ws();
      sawComma = src[i] === ',';
      if (sawComma) i++;
    }
    // (3) is the integer 3 in Python, not a tuple; only (3,) is.
    if (open === '(' && items.length === 1 && !sawComma) return items[0];
    return open === '(' ? { tuple: items } : items;
  };
  const dict = (depth: number): PyValue => {
    i++;
    const m = new Map<string, PyValue>();
    let sawComma = false;
    for (;;) {
      ws();
      if (src[i] === '}') {
        i++;
        break;
      }
      if (m.size > 0 && !sawComma) fail("expected ',' or '}'");
      const k = value(depth + 1);
      if (typeof k !== 'string') fail('dict keys must be strings');
      if (m.has(k as string)) fail(`duplicate key '${k}'`);
      ws();
      if (src[i] !== ':') fail("expected ':'");
      i++;
      m.set(k as string, value(depth + 1));
      ws();
      sawComma = src[i] === ',';
      if (sawComma) i++;
    }
    return m;
  };
  const v = value(0);
  ws();
  if (i !== src.length) fail('trailing characters');
  return v;
}

const DESCR_TO_DTYPE: Record<string, DType> = {
  f2: 'float16',
  f4: 'float32',
  f8: 'float64',
  i1: 'int8',
  i2: 'int16',
  i4: 'int32',
  i8: 'int64',
  u1: 'uint8',
  u2: 'uint16',
  u4: 'uint32',
  u8: 'uint64',
  b1: 'bool',
};

/** numpy `descr` → dtype and byte order; undefined for anything unsupported. */
export function descrToDType(descr: string): { dtype: DType; littleEndian: boolean; byteOrder: '<' | '>' | '|' } | undefined {
  const m = /^([<>|=]?)([a-z]\d)$/.exec(descr);
  if (!m) return undefined;
  const dtype = DESCR_TO_DTYPE[m[2]];
  if (!dtype) return undefined;
  const order = m[1] === '' || m[1] === '=' ? '<' : (m[1] as '<' | '>' | '|');
  const oneByte = m[2].endsWith('1');
  if (order === '|' && !oneByte) return undefined; // '|' means "not applicable": only for 1-byte types
  return { dtype, littleEndian: order !== '>', byteOrder: oneByte ? '|' : order };
}

/** dtype → little-endian numpy `descr`. */
export function dtypeToDescr(dtype: DType): string {
  for (const [k, v] of Object.entries(DESCR_TO_DTYPE)) if (v === dtype) return (k.endsWith('1') ? '|' : '<') + k;
  throw new Error(`no descr for ${dtype}`);
}
