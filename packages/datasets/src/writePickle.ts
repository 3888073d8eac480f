import { VitValueError } from '@vit/io';

/** Options of {@link writePickle}. */
export interface WritePickleOptions {
  /** Pickle protocol: 2 (Python 2 and 3) or 4 (Python ≥ 3.4). @default 4 */
  protocol?: 2 | 4;
}

/**
 * Writes plain data as a Python pickle that `pickle.load` (and {@link readPickle}) reads back:
 * `null` → None, booleans, numbers (integers → int, others → float), bigint → int, strings,
 * `Uint8Array` → bytes, arrays → list (frozen arrays → tuple), Float32Array/Float64Array → list
 * of floats, other typed arrays → list of ints, plain objects and Maps → dict. No classes, no
 * globals (except `_codecs.encode`, which is how protocol 2 spells bytes).
 *
 * @param value The data to write.
 * @param options See {@link WritePickleOptions}.
 * @returns The pickle bytes.
 * @throws {VitValueError} on a value of another kind (function, class instance, symbol, cycle).
 * @example
 * await writeFile('gnd_mini.pkl', writePickle({ imlist: ['a', 'b'], qimlist: ['a'], gnd: [] }, { protocol: 2 }));
 */
export function writePickle(value: unknown, options: WritePickleOptions = {}): Uint8Array {
  const protocol = options.protocol ?? 4;
  if (protocol !== 2 && protocol !== 4) throw new VitValueError(`\`protocol\` of writePickle must be 2 or 4. Got ${String(protocol)}.`);
  const w = new Writer(protocol);
  w.byte(0x80);
  w.byte(protocol);
  w.value(value, new Set(), '$');
  w.byte(0x2e); // STOP
  return w.bytes();
}

class Writer {
  private buf = new Uint8Array(256);
  private len = 0;
  constructor(private readonly protocol: 2 | 4) {}

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }
  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  u32(n: number): void {
    this.ensure(4);
    new DataView(this.buf.buffer).setUint32(this.len, n, true);
    this.len += 4;
  }
  bytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  private int(v: bigint): void {
    if (v >= 0n && v < 256n) {
      this.byte(0x4b); // BININT1
      this.byte(Number(v));
    } else if (v >= 0n && v < 65536n) {
      this.byte(0x4d); // BININT2
      this.byte(Number(v & 0xffn));
      this.byte(Number(v >> 8n));
    } else if (v >= -(2n ** 31n) && v < 2n ** 31n) {
      this.byte(0x4a); // BININT
      this.ensure(4);
      new DataView(this.buf.buffer).setInt32(this.len, Number(v), true);
      this.len += 4;
    } else {
      // LONG1: little-endian two's complement, shortest that keeps the sign
      const out: number[] = [];
      let x = v;
      for (;;) {
        out.push(Number(x & 0xffn));
        x >>= 8n;
        const last = out[out.length - 1];
        if ((x === 0n && !(last & 0x80)) || (x === -1n && last & 0x80)) break;
      }
      this.byte(0x8a);
      this.byte(out.length);
      for (const b of out) this.byte(b);
    }
  }
  private float(v: number): void {
    this.byte(0x47); // BINFLOAT, big-endian
    this.ensure(8);
    new DataView(this.buf.buffer).setFloat64(this.len, v, false);
    this.len += 8;
  }
  private str(s: string): void {
    const b = new TextEncoder().encode(s);
    if (this.protocol >= 4 && b.length < 256) {
      this.byte(0x8c); // SHORT_BINUNICODE
      this.byte(b.length);
    } else {
      this.byte(0x58); // BINUNICODE
      this.u32(b.length);
    }
    this.raw(b);
  }
  private bytesValue(b: Uint8Array): void {
    if (this.protocol >= 4) {
      if (b.length < 256) {
        this.byte(0x43);
        this.byte(b.length);
      } else {
        this.byte(0x42);
        this.u32(b.length);
      }
      this.raw(b);
      return;
    }
    // protocol 2 has no bytes opcode: Python 3 writes _codecs.encode(latin-1 text, 'latin1')
    this.raw(new TextEncoder().encode('c_codecs\nencode\n'));
    let s = '';
    for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
    this.str(s);
    this.str('latin1');
    this.byte(0x86); // TUPLE2
    this.byte(0x52); // REDUCE
  }

  value(v: unknown, path: Set<unknown>, where: string): void {
    if (v === null || v === undefined) return this.byte(0x4e);
    if (v === true) return this.byte(0x88);
    if (v === false) return this.byte(0x89);
    if (typeof v === 'number') return Number.isSafeInteger(v) && !Object.is(v, -0) ? this.int(BigInt(v)) : this.float(v);
    if (typeof v === 'bigint') return this.int(v);
    if (typeof v === 'string') return this.str(v);
    if (v instanceof Uint8Array && !(v instanceof Uint8ClampedArray)) return this.bytesValue(v);
    if (typeof v !== 'object') throw new VitValueError(`\`value\` of writePickle holds a ${typeof v} at ${where}; only data can be pickled.`);
    if (path.has(v)) throw new VitValueError(`\`value\` of writePickle holds a cycle at ${where}.`);
    path.add(v);
    if (ArrayBuffer.isView(v)) {
      const isFloat = v instanceof Float32Array || v instanceof Float64Array;
      const items = Array.from(v as unknown as ArrayLike<number | bigint>);
      this.byte(0x5d); // EMPTY_LIST
      if (items.length) {
        this.byte(0x28); // MARK
        for (const x of items) {
          if (isFloat) this.float(Number(x));
          else this.int(BigInt(x));
        }
        this.byte(0x65); // APPENDS
      }
    } else if (Array.isArray(v)) {
      const tuple = Object.isFrozen(v);
      this.byte(tuple ? 0x28 : 0x5d); // MARK for TUPLE, EMPTY_LIST for list
      if (!tuple && v.length) this.byte(0x28);
      v.forEach((x, i) => this.value(x, path, `${where}[${i}]`));
      if (tuple) this.byte(0x74);
      else if (v.length) this.byte(0x65);
    } else {
      const entries: [unknown, unknown][] =
        v instanceof Map ? [...v.entries()] : Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null
          ? Object.entries(v as Record<string, unknown>)
          : (() => {
              throw new VitValueError(`\`value\` of writePickle holds a ${(v as object).constructor?.name ?? 'class'} instance at ${where}; only data can be pickled.`);
            })();
      this.byte(0x7d); // EMPTY_DICT
      if (entries.length) {
        this.byte(0x28);
        for (const [k, x] of entries) {
          this.value(k, path, `${where} key`);
          this.value(x, path, `${where}.${String(k)}`);
        }
        this.byte(0x75); // SETITEMS
      }
    }
    path.delete(v);
  }
}
