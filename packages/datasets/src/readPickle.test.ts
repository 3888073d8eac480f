import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Tensor, TypedArray } from '@vit/io';
import { readPickle } from './readPickle.js';
import type { PickleDict } from './readPickle.js';
import { writePickle } from './writePickle.js';
import { VitDatasetError } from './errors.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const load = async (name: string) => new Uint8Array(await readFile(fixture(name)));

const typedFor: Record<string, new (n: number) => TypedArray> = {
  '<i8': BigInt64Array as never,
  '>i4': Int32Array,
  '|u1': Uint8Array,
  '<f8': Float64Array,
  '<f4': Float32Array,
  '<f2': Float32Array,
  '|b1': Uint8Array,
  '<i2': Int16Array,
};

/** Converts the JSON form written by make_reference.py into what readPickle must return. */
function expected(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(expected);
  if (x && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    if (o.__tuple__) return Object.freeze((o.__tuple__ as unknown[]).map(expected));
    if (o.__bytes__) return Uint8Array.from(o.__bytes__ as number[]);
    if (o.__bigint__) return BigInt(o.__bigint__ as string);
    if (o.__ndarray__) return o;
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, expected(v)]));
  }
  return x;
}

function compare(got: unknown, want: unknown, where: string): void {
  const w = want as Record<string, unknown>;
  if (w && typeof w === 'object' && w.__ndarray__) {
    const t = got as Tensor<TypedArray>;
    expect(t.shape, where).toEqual(w.shape);
    expect(t.data, where).toBeInstanceOf(typedFor[w.dtype as string]);
    expect(Array.from(t.data as ArrayLike<number | bigint>, Number), where).toEqual(w.data);
    return;
  }
  if (Array.isArray(want)) {
    expect(Array.isArray(got), where).toBe(true);
    expect(Object.isFrozen(got), `${where} tuple-ness`).toBe(Object.isFrozen(want));
    expect((got as unknown[]).length, where).toBe(want.length);
    want.forEach((v, i) => compare((got as unknown[])[i], v, `${where}[${i}]`));
    return;
  }
  if (want instanceof Uint8Array) {
    expect(Array.from(got as Uint8Array), where).toEqual(Array.from(want));
    return;
  }
  if (want && typeof want === 'object') {
    expect(Object.keys(got as object).sort(), where).toEqual(Object.keys(want).sort());
    for (const k of Object.keys(want)) compare((got as Record<string, unknown>)[k], (want as Record<string, unknown>)[k], `${where}.${k}`);
    return;
  }
  expect(got, where).toBe(want);
}

describe('readPickle on pickles written by Python (numpy 1 and 2, protocols 2–5)', async () => {
  const want = expected(JSON.parse(await readFile(fixture('pickle_reference.json'), 'utf8')));
  const files = ['np1', 'np2'].flatMap((np) => [2, 3, 4, 5].map((p) => `pickle_reference_${np}_p${p}.pkl`));

  it.each(files)('%s equals the JSON reference', async (f) => {
    const got = readPickle(await load(f), { file: f });
    compare(got, want, f);
  });

  it('keeps shared references shared (memo)', async () => {
    const got = readPickle(await load('pickle_reference_np1_p4.pkl')) as PickleDict;
    const shared = got.shared as unknown[][];
    expect(shared[0]).toBe(shared[1]);
  });

  it("keeps key types with dicts: 'map'", async () => {
    const got = readPickle(await load('pickle_reference_np1_p2.pkl'), { dicts: 'map' }) as Map<unknown, unknown>;
    expect((got.get('int_keys') as Map<unknown, unknown>).get(1)).toBe('one');
  });

  it('reads the numpy-array ground truth like the real gnd files', async () => {
    const gnd = readPickle(await load('gnd_roxford5k.pkl')) as PickleDict;
    const g0 = (gnd.gnd as PickleDict[])[0];
    expect(Array.from((g0.bbx as Tensor<Float64Array>).data)).toEqual([1.5, 2.25, 20.5, 15.75]);
    expect(Array.from((g0.easy as Tensor<BigInt64Array<ArrayBuffer>>).data, Number)).toEqual([0, 9]);
  });
});

describe('readPickle on a Python 2 style numpy pickle (raw data as a py2 str)', () => {
  it('rebuilds int32 [2] from SHORT_BINSTRING raw bytes', () => {
    const ops =
      '\x80\x02cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85U\x01b\x87R' +
      '(K\x01K\x02\x85cnumpy\ndtype\nU\x02i4K\x00K\x01\x87R(K\x03U\x01<NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb' +
      '\x89U\x08\x07\x00\x00\x00\xfe\xff\xff\xfftb.';
    const t = readPickle(Uint8Array.from(ops, (c) => c.charCodeAt(0))) as Tensor<Int32Array>;
    expect(t.shape).toEqual([2]);
    expect(t.data).toBeInstanceOf(Int32Array);
    expect(Array.from(t.data)).toEqual([7, -2]);
  });
});

describe('readPickle refuses anything but data', () => {
  it('refuses os.system, naming it and the file', async () => {
    const f = 'forbidden_global.pkl';
    const run = async () => readPickle(await load(f), { file: f });
    await expect(run()).rejects.toThrow(VitDatasetError);
    await expect(run()).rejects.toThrow(/^forbidden_global\.pkl: readPickle refuses global (posix|os)\.system: only data/);
    await expect(run()).rejects.toMatchObject({ code: 'VIT_PICKLE_FORBIDDEN' });
  });

  it('refuses builtins.eval', async () => {
    await expect((async () => readPickle(await load('forbidden_eval.pkl')))()).rejects.toThrow(/refuses global (builtins|__builtin__)\.eval/);
  });

  it('refuses numpy when numpy: false', async () => {
    await expect((async () => readPickle(await load('pickle_reference_np1_p4.pkl'), { numpy: false }))()).rejects.toThrow(/refuses global numpy\.core\.multiarray\._reconstruct/);
  });

  it('refuses hand-built REDUCE, BUILD, NEWOBJ and sets', () => {
    const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
    // GLOBAL subprocess.Popen
    expect(() => readPickle(enc('\x80\x02csubprocess\nPopen\n)R.'))).toThrow(/refuses global subprocess\.Popen/);
    // REDUCE on a non-global (a list)
    expect(() => readPickle(enc('\x80\x02])R.'))).toThrow(/refuses REDUCE on a list/);
    // BUILD on a dict
    expect(() => readPickle(enc('\x80\x02}}b.'))).toThrow(/refuses BUILD on a dict/);
    // NEWOBJ
    expect(() => readPickle(enc('\x80\x02])\x81.'))).toThrow(/refuses opcode NEWOBJ/);
    // EMPTY_SET
    expect(() => readPickle(enc('\x80\x04\x8f.'))).toThrow(/refuses sets/);
    // _codecs.encode with another encoding
    expect(() => readPickle(enc('\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00aX\x05\x00\x00\x00rot13\x86R.'))).toThrow(/_codecs\.encode with encoding rot13/);
  });

  it('reports hostile nesting instead of overflowing the stack', () => {
    // 200000 × EMPTY_LIST then 199999 × APPEND: each list appended into the one below, [[[…]]]
    const n = 200000;
    const nested = new Uint8Array(2 + n + n - 1 + 1);
    nested.set([0x80, 0x02]);
    nested.fill(0x5d, 2, 2 + n);
    nested.fill(0x61, 2 + n, 2 + n + n - 1);
    nested[nested.length - 1] = 0x2e;
    expect(() => readPickle(nested, { file: 'deep.pkl' })).toThrow(/^deep\.pkl: readPickle: pickle nests containers too deeply/);
  });

  it('reports malformed pickles with their position', () => {
    expect(() => readPickle(Uint8Array.from([0x80, 0x02, 0x4a, 0x01]), { file: 'cut.pkl' })).toThrow(/^cut\.pkl: readPickle: malformed pickle, truncated/);
    expect(() => readPickle(Uint8Array.from([0x80, 0x02, 0xff]))).toThrow(/unknown opcode 0xff/);
    expect(() => readPickle(Uint8Array.from([0x80, 0x02, 0x2e]))).toThrow(/stack underflow/);
  });
});

describe('writePickle', () => {
  const value = {
    imlist: ['a', 'caf\u00e9'],
    n: [0, 1, 255, 256, 65535, 65536, -1, -(2 ** 31), 2 ** 31, 2 ** 53 - 1, -(2 ** 40)],
    big: 2n ** 80n,
    negBig: -(2n ** 70n) - 3n,
    f: [0.5, -1.25, 1e300],
    floats: Float64Array.from([1, 2.5]),
    ints: Int32Array.from([3, -4]),
    bytes: Uint8Array.from([0, 1, 200, 255]),
    tuple: Object.freeze([1, 'x', null]),
    flags: [true, false, null],
    nested: { a: { b: [[]] } },
  };

  it.each([2, 4] as const)('round-trips data through readPickle at protocol %i', (protocol) => {
    const back = readPickle(writePickle(value, { protocol })) as PickleDict;
    expect(back.imlist).toEqual(value.imlist);
    expect(back.n).toEqual(value.n);
    expect(back.big).toBe(value.big);
    expect(back.negBig).toBe(value.negBig);
    expect(back.f).toEqual(value.f);
    expect(back.floats).toEqual([1, 2.5]);
    expect(back.ints).toEqual([3, -4]);
    expect(Array.from(back.bytes as Uint8Array)).toEqual([0, 1, 200, 255]);
    expect(Object.isFrozen(back.tuple)).toBe(true);
    expect(back.tuple).toEqual([1, 'x', null]);
    expect(back.flags).toEqual([true, false, null]);
    expect(back.nested).toEqual({ a: { b: [[]] } });
  });

  it('writes the expected opcodes for a tiny value (hand-checked against pickletools)', () => {
    // {'a': 1} at protocol 4: PROTO 4, EMPTY_DICT, MARK, SHORT_BINUNICODE 'a', BININT1 1, SETITEMS, STOP
    expect(Array.from(writePickle({ a: 1 }, { protocol: 4 }))).toEqual([0x80, 4, 0x7d, 0x28, 0x8c, 1, 0x61, 0x4b, 1, 0x75, 0x2e]);
    // protocol 2 writes bytes through _codecs.encode, as Python 3 does
    expect(new TextDecoder('latin1').decode(writePickle(Uint8Array.from([65]), { protocol: 2 }))).toContain('c_codecs\nencode\n');
  });

  it('refuses non-data', () => {
    expect(() => writePickle({ f: () => 1 })).toThrow(/holds a function at \$\.f/);
    expect(() => writePickle(new Date())).toThrow(/holds a Date instance/);
    const cyc: unknown[] = [];
    cyc.push(cyc);
    expect(() => writePickle(cyc)).toThrow(/cycle at \$\[0\]/);
  });
});
