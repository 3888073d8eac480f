/**
 * The restricted unpickler shared by {@link parsePickle} (data pickles) and
 * {@link parseTorchCheckpoint} (the `data.pkl` of a `torch.save` zip). Internal.
 *
 * Nothing is ever looked up or called by name: every GLOBAL is checked against an allow-list and
 * becomes a tag; REDUCE / NEWOBJ / BUILD on a tag rebuild plain data in code below; every other
 * global, and every opcode that would create an arbitrary object, is refused with an error naming it.
 */
import { VitIoError } from './errors.js';
import type { SafetensorsDType } from './safetensorsDType.js';
import { tensor, type Tensor, type TypedArray } from './tensor.js';

/** A tensor of a PyTorch checkpoint: C-order data (F16/BF16 widened to float32, I64 as BigInt64Array) and the stored dtype. */
export interface TorchTensor {
  tensor: Tensor<TypedArray>;
  /** The stored element type, in safetensors' names (`F32`, `F16`, `BF16`, `F64`, `I64`, …). */
  dtype: SafetensorsDType;
}

/** A value {@link parsePickle} can build. Python tuples come back as frozen arrays. */
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | readonly PickleValue[]
  | PickleDict
  | Map<PickleKey, PickleValue>
  | Tensor<TypedArray>
  | TorchTensor;
/** A Python dict read with `dicts: 'object'`. */
export interface PickleDict {
  [key: string]: PickleValue;
}
/** A dict key read with `dicts: 'map'`. */
export type PickleKey = string | number | bigint | boolean | null | readonly PickleValue[];

/** Options of {@link parsePickle}. */
export interface ParsePickleOptions {
  /** File the bytes came from, named in errors. @default undefined */
  file?: string;
  /**
   * How to build dicts: `'object'` (plain objects; str, int, float, bool and None keys become
   * strings as `String()` writes them) or `'map'` (a `Map` keeping key types).
   * @default 'object'
   */
  dicts?: 'object' | 'map';
  /** Whether numpy arrays (and numpy scalars) may be rebuilt, as data only. @default true */
  numpy?: boolean;
}

/** A storage a torch `data.pkl` names by persistent id. Internal. */
export interface StorageRef {
  readonly key: string;
  readonly dtype: SafetensorsDType;
  /** Elements the pickle says the storage holds. */
  readonly numel: number;
}

/** What the torch reader adds to the machine. Internal. */
export interface TorchHooks {
  /** Resolve `('storage', type, key, location, numel)`; throws when the storage is absent or too short. */
  storage(dtype: SafetensorsDType, key: string, numel: number): StorageRef;
  /** Build a tensor view of a storage (bounds checked there). */
  tensor(s: StorageRef, offset: number, size: number[], stride: number[]): TorchTensor;
  /** Accept TorchScript module objects (`__torch__.*` classes) as attribute records. */
  torchscript: boolean;
}

/** Options of the internal machine. */
export interface UnpicklerOptions extends ParsePickleOptions {
  /** The public function named in messages. */
  fn: string;
  /** What `refuses …:` messages say is allowed. */
  allowed?: string;
  torch?: TorchHooks;
}

type Allowed =
  | 'reconstruct' | 'ndarray' | 'dtype' | 'scalar' | 'frombuffer' | 'codecs.encode' | 'bytes'
  | 'ordereddict' | 'namespace' | 'rebuild_tensor' | 'rebuild_parameter' | 'rebuild_from_type' | 'tensor_type'
  | 'storage' | 'size' | 'jit_list' | 'jit_type_tag' | 'module';
const ALLOWED_NUMPY: Record<string, Allowed> = {
  'numpy.core.multiarray._reconstruct': 'reconstruct',
  'numpy._core.multiarray._reconstruct': 'reconstruct',
  'numpy.ndarray': 'ndarray',
  'numpy.dtype': 'dtype',
  'numpy.core.multiarray.scalar': 'scalar',
  'numpy._core.multiarray.scalar': 'scalar',
  'numpy.core.numeric._frombuffer': 'frombuffer',
  'numpy._core.numeric._frombuffer': 'frombuffer',
};
// Python 3 writes `bytes` at protocol 2 as _codecs.encode(latin-1 text, 'latin1')
// and b'' as bytes(), bytearray(x) as bytearray(bytes): rebuilt as Uint8Array, never called
const ALLOWED_ALWAYS: Record<string, Allowed> = {
  '_codecs.encode': 'codecs.encode',
  '__builtin__.bytes': 'bytes',
  'builtins.bytes': 'bytes',
  '__builtin__.bytearray': 'bytes',
  'builtins.bytearray': 'bytes',
};
// What torch.save writes for state dicts, parameters, training arguments and TorchScript lists.
const ALLOWED_TORCH: Record<string, Allowed> = {
  'collections.OrderedDict': 'ordereddict',
  'argparse.Namespace': 'namespace',
  'torch._utils._rebuild_tensor_v2': 'rebuild_tensor',
  'torch._utils._rebuild_parameter': 'rebuild_parameter',
  'torch._utils._rebuild_parameter_with_state': 'rebuild_parameter',
  'torch._tensor._rebuild_from_type_v2': 'rebuild_from_type',
  'torch.Tensor': 'tensor_type',
  'torch.nn.parameter.Parameter': 'tensor_type',
  'torch.Size': 'size',
  'torch.jit._pickle.build_intlist': 'jit_list',
  'torch.jit._pickle.build_doublelist': 'jit_list',
  'torch.jit._pickle.build_boollist': 'jit_list',
  'torch.jit._pickle.build_tensorlist': 'jit_list',
  'torch.jit._pickle.restore_type_tag': 'jit_type_tag',
};
/** `torch.<Name>Storage` → the element type. */
const TORCH_STORAGES: Record<string, SafetensorsDType> = {
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  DoubleStorage: 'F64',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};

class GlobalRef {
  constructor(
    readonly kind: Allowed,
    readonly name: string,
    readonly dtype?: SafetensorsDType,
  ) {}
}
class PyTuple {
  constructor(readonly items: unknown[]) {}
}
/** A dict; `kind` says which constructor made it (BUILD is allowed only on the last three). */
class PyDict {
  readonly entries: [unknown, unknown][] = [];
  constructor(readonly kind: 'dict' | 'ordered' | 'namespace' | 'module' = 'dict') {}
}
class DType {
  constructor(
    readonly typestr: string,
    public byteorder = '=',
  ) {}
}
/** An ndarray under construction: `_reconstruct` makes it, BUILD fills it. */
class PendingArray {
  value: Tensor<TypedArray> | undefined;
}
/** A torch tensor, rebuilt. Internal (see isTorchTensor). */
export class TorchTensorValue implements TorchTensor {
  constructor(
    readonly tensor: Tensor<TypedArray>,
    readonly dtype: SafetensorsDType,
  ) {}
}
class Storage {
  constructor(readonly ref: StorageRef) {}
}
const MARK = Symbol('mark');

/** Run the machine. Internal: the public entry points validate `bytes` first. */
export function unpickle(bytes: Uint8Array, o: UnpicklerOptions): PickleValue {
  const r = new Unpickler(bytes, o);
  try {
    return r.run();
  } catch (e) {
    // a hostile file can nest containers deeper than the JS stack: say so instead of crashing
    if (e instanceof RangeError) {
      throw new VitIoError(`${o.fn}: pickle nests containers too deeply to rebuild (${e.message})`, { file: o.file, code: 'VIT_IO_PICKLE', cause: e });
    }
    throw e;
  }
}

const td = new TextDecoder('utf-8', { fatal: true });

class Unpickler {
  private pos = 0;
  private stack: unknown[] = [];
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, unknown>();
  private readonly view: DataView;
  private readonly file?: string;
  private readonly dicts: 'object' | 'map';
  private readonly numpy: boolean;
  private readonly fn: string;
  private readonly allowed: string;
  private readonly torch?: TorchHooks;

  constructor(
    private readonly b: Uint8Array,
    o: UnpicklerOptions,
  ) {
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    this.file = o.file;
    this.dicts = o.dicts ?? 'object';
    this.numpy = o.numpy ?? true;
    this.fn = o.fn;
    this.allowed = o.allowed ?? 'only data (dict, list, tuple, str, bytes, int, float, bool, None, numpy arrays of numbers) is allowed';
    this.torch = o.torch;
  }

  private forbid(what: string): VitIoError {
    return new VitIoError(`${this.fn} refuses ${what}: ${this.allowed}`, { file: this.file, code: 'VIT_IO_PICKLE_FORBIDDEN' });
  }
  private bad(what: string): VitIoError {
    return new VitIoError(`${this.fn}: malformed pickle, ${what} (at byte ${this.pos})`, { file: this.file, code: 'VIT_IO_PICKLE' });
  }

  private need(n: number): void {
    if (this.pos + n > this.b.length) throw this.bad(`truncated: needs ${n} more bytes`);
  }
  private u8(): number {
    this.need(1);
    return this.b[this.pos++];
  }
  private u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  private u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  private i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  private u64(): number {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw this.bad(`length ${v} too large`);
    return Number(v);
  }
  private take(n: number): Uint8Array {
    this.need(n);
    const out = new Uint8Array(this.b.subarray(this.pos, this.pos + n)); // a plain copy, even of a Buffer
    this.pos += n;
    return out;
  }
  private line(): string {
    const end = this.b.indexOf(0x0a, this.pos);
    if (end < 0) throw this.bad('text argument without newline');
    const s = new TextDecoder('latin1').decode(this.b.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }
  private utf8(n: number): string {
    const raw = this.take(n);
    try {
      return td.decode(raw);
    } catch {
      throw this.bad('string is not valid UTF-8');
    }
  }
  private pop(): unknown {
    if (this.stack.length === 0 || this.stack[this.stack.length - 1] === MARK) throw this.bad('stack underflow');
    return this.stack.pop();
  }
  private top(): unknown {
    if (this.stack.length === 0) throw this.bad('stack underflow');
    return this.stack[this.stack.length - 1];
  }
  private popMark(): unknown[] {
    const m = this.marks.pop();
    if (m === undefined) throw this.bad('no MARK on the stack');
    const items = this.stack.splice(m);
    items.shift(); // the MARK itself
    return items;
  }
  private global(module: string, name: string): GlobalRef {
    const full = `${module}.${name}`;
    const own = (r: Record<string, Allowed>) => (Object.prototype.hasOwnProperty.call(r, full) ? r[full] : undefined);
    let kind = own(ALLOWED_ALWAYS) ?? (this.numpy ? own(ALLOWED_NUMPY) : undefined);
    if (!kind && this.torch) {
      kind = own(ALLOWED_TORCH);
      if (!kind && module === 'torch' && Object.prototype.hasOwnProperty.call(TORCH_STORAGES, name)) return new GlobalRef('storage', full, TORCH_STORAGES[name]);
      // TorchScript archives pickle their modules as instances of `__torch__.*` classes: kept as attribute records, never run
      if (!kind && this.torch.torchscript && (module === '__torch__' || module.startsWith('__torch__.')) && /^[A-Za-z_][\w]*$/.test(name)) kind = 'module';
    }
    if (!kind) throw this.forbid(`global ${full}`);
    return new GlobalRef(kind, full);
  }

  run(): PickleValue {
    if (this.b.length === 0) throw this.bad('empty pickle');
    for (;;) {
      const op = this.u8();
      switch (op) {
        case 0x80: { // PROTO
          const v = this.u8();
          if (v > 5) throw this.bad(`protocol ${v} is newer than 5`);
          break;
        }
        case 0x95: // FRAME: the frame length is only a read-ahead hint
          this.u64();
          break;
        case 0x2e: { // STOP
          const v = this.pop();
          return this.resolve(v, new Map()) as PickleValue;
        }
        case 0x28: // MARK
          this.marks.push(this.stack.length);
          this.stack.push(MARK);
          break;
        case 0x30: // POP
          if (this.top() === MARK) this.popMark();
          else this.pop();
          break;
        case 0x31: // POP_MARK
          this.popMark();
          break;
        case 0x32: // DUP
          this.stack.push(this.top());
          break;
        case 0x4e: this.stack.push(null); break; // NONE
        case 0x88: this.stack.push(true); break; // NEWTRUE
        case 0x89: this.stack.push(false); break; // NEWFALSE
        case 0x4a: this.stack.push(this.i32()); break; // BININT
        case 0x4b: this.stack.push(this.u8()); break; // BININT1
        case 0x4d: this.stack.push(this.u16()); break; // BININT2
        case 0x8a: this.stack.push(this.long(this.u8())); break; // LONG1
        case 0x8b: { // LONG4
          const n = this.i32();
          if (n < 0) throw this.bad('negative LONG4 length');
          this.stack.push(this.long(n));
          break;
        }
        case 0x49: { // INT (text); I01/I00 are bools
          const s = this.line();
          if (s === '01') this.stack.push(true);
          else if (s === '00') this.stack.push(false);
          else this.stack.push(this.textInt(s));
          break;
        }
        case 0x4c: this.stack.push(this.textInt(this.line().replace(/L$/, ''))); break; // LONG (text)
        case 0x47: { // BINFLOAT (big-endian)
          this.need(8);
          this.stack.push(this.view.getFloat64(this.pos, false));
          this.pos += 8;
          break;
        }
        case 0x46: { // FLOAT (text)
          const v = Number(this.line());
          this.stack.push(v);
          break;
        }
        case 0x58: this.stack.push(this.utf8(this.u32())); break; // BINUNICODE
        case 0x8c: this.stack.push(this.utf8(this.u8())); break; // SHORT_BINUNICODE
        case 0x8d: this.stack.push(this.utf8(this.u64())); break; // BINUNICODE8
        case 0x42: this.stack.push(this.take(this.u32())); break; // BINBYTES
        case 0x43: this.stack.push(this.take(this.u8())); break; // SHORT_BINBYTES
        case 0x8e: this.stack.push(this.take(this.u64())); break; // BINBYTES8
        case 0x96: this.stack.push(this.take(this.u64())); break; // BYTEARRAY8 (read as bytes)
        case 0x54: this.stack.push(latin1(this.take(this.i32()))); break; // BINSTRING (py2 str)
        case 0x55: this.stack.push(latin1(this.take(this.u8()))); break; // SHORT_BINSTRING
        case 0x5d: this.stack.push([]); break; // EMPTY_LIST
        case 0x6c: this.stack.push(this.popMark()); break; // LIST
        case 0x61: { // APPEND
          const v = this.pop();
          this.list(this.top()).push(v);
          break;
        }
        case 0x65: { // APPENDS
          const items = this.popMark();
          this.list(this.top()).push(...items);
          break;
        }
        case 0x29: this.stack.push(new PyTuple([])); break; // EMPTY_TUPLE
        case 0x74: this.stack.push(new PyTuple(this.popMark())); break; // TUPLE
        case 0x85: this.stack.push(new PyTuple([this.pop()])); break; // TUPLE1
        case 0x86: { // TUPLE2
          const b = this.pop();
          const a = this.pop();
          this.stack.push(new PyTuple([a, b]));
          break;
        }
        case 0x87: { // TUPLE3
          const c = this.pop();
          const b = this.pop();
          const a = this.pop();
          this.stack.push(new PyTuple([a, b, c]));
          break;
        }
        case 0x7d: this.stack.push(new PyDict()); break; // EMPTY_DICT
        case 0x64: { // DICT
          const items = this.popMark();
          const d = new PyDict();
          for (let i = 0; i + 1 < items.length; i += 2) d.entries.push([items[i], items[i + 1]]);
          this.stack.push(d);
          break;
        }
        case 0x73: { // SETITEM
          const v = this.pop();
          const k = this.pop();
          this.dict(this.top()).entries.push([k, v]);
          break;
        }
        case 0x75: { // SETITEMS
          const items = this.popMark();
          const d = this.dict(this.top());
          if (items.length % 2) throw this.bad('SETITEMS with an odd number of items');
          for (let i = 0; i < items.length; i += 2) d.entries.push([items[i], items[i + 1]]);
          break;
        }
        case 0x70: this.memo.set(this.textInt(this.line()) as number, this.top()); break; // PUT
        case 0x71: this.memo.set(this.u8(), this.top()); break; // BINPUT
        case 0x72: this.memo.set(this.u32(), this.top()); break; // LONG_BINPUT
        case 0x94: this.memo.set(this.memo.size, this.top()); break; // MEMOIZE
        case 0x67: this.stack.push(this.memoGet(this.textInt(this.line()) as number)); break; // GET
        case 0x68: this.stack.push(this.memoGet(this.u8())); break; // BINGET
        case 0x6a: this.stack.push(this.memoGet(this.u32())); break; // LONG_BINGET
        case 0x63: { // GLOBAL "module\nname\n"
          const module = this.line();
          const name = this.line();
          this.stack.push(this.global(module, name));
          break;
        }
        case 0x93: { // STACK_GLOBAL
          const name = this.pop();
          const module = this.pop();
          if (typeof module !== 'string' || typeof name !== 'string') throw this.bad('STACK_GLOBAL needs two strings');
          this.stack.push(this.global(module, name));
          break;
        }
        case 0x52: { // REDUCE
          const args = this.pop();
          const fn = this.pop();
          this.stack.push(this.reduce(fn, args));
          break;
        }
        case 0x62: { // BUILD
          const state = this.pop();
          this.build(this.top(), state);
          break;
        }
        case 0x81: { // NEWOBJ: only argparse.Namespace (a dict) and TorchScript modules (attribute records)
          const args = this.pop();
          const cls = this.pop();
          if (!(cls instanceof GlobalRef) || (cls.kind !== 'namespace' && cls.kind !== 'module')) throw this.forbid(`opcode NEWOBJ on ${this.describe(cls)}`);
          if (!(args instanceof PyTuple) || args.items.length !== 0) throw this.forbid(`${cls.name} with constructor arguments`);
          this.stack.push(new PyDict(cls.kind));
          break;
        }
        case 0x92: throw this.forbid(`opcode NEWOBJ_EX on ${this.describe(this.stack[this.stack.length - 3])}`);
        case 0x69: { // INST
          const module = this.line();
          const name = this.line();
          throw this.forbid(`opcode INST of ${module}.${name}`);
        }
        case 0x6f: throw this.forbid('opcode OBJ (instance creation)');
        case 0x82: case 0x83: case 0x84: throw this.forbid('extension-registry globals (EXT1/EXT2/EXT4)');
        case 0x51: { // BINPERSID: torch storages only
          if (!this.torch) throw this.forbid('persistent ids (PERSID/BINPERSID)');
          this.stack.push(this.persistent(this.pop()));
          break;
        }
        case 0x50: throw this.forbid('persistent ids (PERSID)');
        case 0x97: case 0x98: throw this.forbid('out-of-band buffers (NEXT_BUFFER/READONLY_BUFFER)');
        case 0x8f: case 0x90: case 0x91: throw this.forbid('sets (EMPTY_SET/ADDITEMS/FROZENSET)');
        default:
          throw this.bad(`unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
      }
    }
  }

  private long(n: number): number | bigint {
    if (n === 0) return 0;
    const raw = this.take(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(raw[i]);
    if (raw[n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    return smallInt(v);
  }
  private textInt(s: string): number | bigint {
    if (!/^[-+]?\d+$/.test(s.trim())) throw this.bad(`bad integer text '${s}'`);
    return smallInt(BigInt(s.trim()));
  }
  private memoGet(i: number): unknown {
    if (!this.memo.has(i)) throw this.bad(`memo key ${i} was never stored`);
    return this.memo.get(i);
  }
  private list(x: unknown): unknown[] {
    if (!Array.isArray(x)) throw this.bad(`APPEND on ${this.describe(x)}, not a list`);
    return x;
  }
  private dict(x: unknown): PyDict {
    if (!(x instanceof PyDict)) throw this.bad(`SETITEM on ${this.describe(x)}, not a dict`);
    return x;
  }
  private describe(x: unknown): string {
    if (x instanceof GlobalRef) return x.name;
    if (x instanceof PyTuple) return 'a tuple';
    if (x instanceof PyDict) return x.kind === 'dict' ? 'a dict' : x.kind === 'ordered' ? 'an OrderedDict' : x.kind === 'namespace' ? 'an argparse.Namespace' : 'a TorchScript module';
    if (x instanceof PendingArray) return 'a numpy array';
    if (x instanceof DType) return 'a numpy dtype';
    if (x instanceof TorchTensorValue) return 'a tensor';
    if (x instanceof Storage) return 'a storage';
    if (Array.isArray(x)) return 'a list';
    return x === null ? 'None' : typeof x;
  }

  private reduce(fn: unknown, args: unknown): unknown {
    if (!(fn instanceof GlobalRef)) throw this.forbid(`REDUCE on ${this.describe(fn)}`);
    if (!(args instanceof PyTuple)) throw this.bad(`REDUCE of ${fn.name} without an argument tuple`);
    const a = args.items;
    switch (fn.kind) {
      case 'codecs.encode': {
        const [text, enc] = a;
        if (typeof text !== 'string' || (enc !== 'latin1' && enc !== 'latin-1')) {
          throw this.forbid(`_codecs.encode with encoding ${String(enc)} (only latin1 bytes are data)`);
        }
        const out = new Uint8Array(text.length);
        for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
        return out;
      }
      case 'bytes': {
        if (a.length === 0) return new Uint8Array(0);
        if (a.length === 1 && a[0] instanceof Uint8Array) return a[0].slice();
        throw this.forbid(`${fn.name} with arguments other than () or (bytes)`);
      }
      case 'dtype': {
        const [ts] = a;
        if (typeof ts !== 'string') throw this.bad('numpy.dtype without a type string');
        return new DType(ts);
      }
      case 'reconstruct': {
        const [cls] = a;
        if (!(cls instanceof GlobalRef) || cls.kind !== 'ndarray') {
          throw this.forbid(`${fn.name} of ${this.describe(cls)} (only numpy.ndarray)`);
        }
        return new PendingArray();
      }
      case 'scalar': {
        const [dt, rawData] = a;
        const raw = asRaw(rawData);
        if (!(dt instanceof DType) || !raw) throw this.bad(`${fn.name} needs (dtype, bytes)`);
        const arr = this.typed(dt, raw, 1);
        const v = arr[0];
        return typeof v === 'bigint' ? smallInt(v) : v;
      }
      case 'frombuffer': {
        const [raw, dt, shape, order] = a;
        if (!(raw instanceof Uint8Array) || !(dt instanceof DType) || !(shape instanceof PyTuple)) {
          throw this.bad(`${fn.name} needs (bytes, dtype, shape, order)`);
        }
        const p = new PendingArray();
        p.value = this.makeArray(dt, this.shape(shape), order === 'F', raw);
        return p;
      }
      case 'ndarray':
      case 'namespace':
      case 'module':
      case 'tensor_type':
      case 'storage':
        throw this.forbid(`calling ${fn.name} directly`);
      case 'ordereddict': {
        const d = new PyDict('ordered');
        if (a.length === 0) return d;
        const [items] = a;
        if (a.length === 1 && Array.isArray(items) && items.every((p) => p instanceof PyTuple && p.items.length === 2)) {
          for (const p of items as PyTuple[]) d.entries.push([p.items[0], p.items[1]]);
          return d;
        }
        throw this.forbid(`${fn.name} with arguments other than () or a list of pairs`);
      }
      case 'size': {
        const [dims] = a;
        if (a.length !== 1 || !(dims instanceof PyTuple || Array.isArray(dims))) throw this.bad(`${fn.name} needs one tuple of sizes`);
        return new PyTuple(this.ints(dims instanceof PyTuple ? dims.items : dims, 'torch.Size'));
      }
      case 'jit_list': {
        const [list] = a;
        if (a.length !== 1 || !Array.isArray(list)) throw this.bad(`${fn.name} needs one list`);
        return list;
      }
      case 'jit_type_tag': {
        if (a.length !== 2 || typeof a[1] !== 'string') throw this.bad(`${fn.name} needs (value, type string)`);
        return a[0];
      }
      case 'rebuild_tensor':
        return this.rebuildTensor(a, fn.name);
      case 'rebuild_parameter': {
        const [data] = a;
        if (!(data instanceof TorchTensorValue)) throw this.forbid(`${fn.name} of ${this.describe(data)} (only tensors)`);
        return data;
      }
      case 'rebuild_from_type': {
        const [func, type, args] = a;
        if (!(func instanceof GlobalRef) || func.kind !== 'rebuild_tensor') throw this.forbid(`${fn.name} of ${this.describe(func)} (only _rebuild_tensor_v2)`);
        if (!(type instanceof GlobalRef) || type.kind !== 'tensor_type') throw this.forbid(`${fn.name} into ${this.describe(type)} (only torch.Tensor and Parameter)`);
        if (!(args instanceof PyTuple)) throw this.bad(`${fn.name} without an argument tuple`);
        return this.rebuildTensor(args.items, func.name);
      }
    }
  }

  private ints(xs: unknown[], what: string): number[] {
    return xs.map((d) => {
      if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) throw this.bad(`${what} holds ${this.describe(d)} ${String(d)}, not a size`);
      return d;
    });
  }

  private persistent(pid: unknown): Storage {
    const t = this.torch!;
    if (!(pid instanceof PyTuple)) throw this.bad(`persistent id is ${this.describe(pid)}, not a tuple`);
    const [tag, type, key, , numel] = pid.items;
    if (tag !== 'storage' || pid.items.length !== 5) throw this.forbid(`persistent id ${typeof tag === 'string' ? `'${tag}'` : this.describe(tag)} (only torch storages)`);
    if (!(type instanceof GlobalRef) || type.kind !== 'storage' || !type.dtype) throw this.forbid(`storage type ${this.describe(type)}`);
    if (typeof key !== 'string' || !/^[\w.-]+$/.test(key)) throw this.bad(`storage key ${String(key)}`);
    if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) throw this.bad(`storage '${key}' size ${String(numel)}`);
    return new Storage(t.storage(type.dtype, key, numel));
  }

  private rebuildTensor(a: unknown[], name: string): TorchTensorValue {
    const [storage, offset, size, stride] = a;
    if (!(storage instanceof Storage)) throw this.forbid(`${name} of ${this.describe(storage)} (only storages)`);
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) throw this.bad(`${name} storage offset ${String(offset)}`);
    if (!(size instanceof PyTuple) || !(stride instanceof PyTuple)) throw this.bad(`${name} needs size and stride tuples`);
    const sz = this.ints(size.items, 'tensor size');
    const st = this.ints(stride.items, 'tensor stride');
    if (sz.length !== st.length) throw this.bad(`${name} size [${sz.join(',')}] and stride [${st.join(',')}] differ in rank`);
    const t = this.torch!.tensor(storage.ref, offset, sz, st);
    return new TorchTensorValue(t.tensor, t.dtype);
  }

  private build(target: unknown, state: unknown): void {
    if (target instanceof DType) {
      if (!(state instanceof PyTuple)) throw this.bad('numpy.dtype state is not a tuple');
      const s = state.items;
      const names = s[3];
      const fields = s[4];
      if (s[2] !== null || names !== null || fields !== null) {
        throw this.forbid(`numpy structured or sub-array dtype ${target.typestr}`);
      }
      if (typeof s[1] === 'string') target.byteorder = s[1];
      return;
    }
    if (target instanceof PendingArray) {
      if (!(state instanceof PyTuple)) throw this.bad('numpy array state is not a tuple');
      const [, shape, dt, fortran, rawData] = state.items;
      if (!(shape instanceof PyTuple) || !(dt instanceof DType)) throw this.bad('numpy array state without shape and dtype');
      const raw = asRaw(rawData);
      if (!raw) throw this.forbid(`numpy array of dtype ${dt.typestr} (object arrays hold Python objects)`);
      target.value = this.makeArray(dt, this.shape(shape), fortran === true || fortran === 1, raw);
      return;
    }
    if (target instanceof PyDict && target.kind !== 'dict') {
      // OrderedDict state is its attribute dict (a state_dict's `_metadata`): dropped. Namespace and
      // TorchScript module state is the attribute dict: merged as entries.
      if (target.kind === 'ordered') return;
      if (!(state instanceof PyDict)) throw this.bad(`${this.describe(target)} state is ${this.describe(state)}, not a dict`);
      target.entries.push(...state.entries);
      return;
    }
    throw this.forbid(`BUILD on ${this.describe(target)}`);
  }

  private shape(t: PyTuple): number[] {
    return t.items.map((d) => {
      if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) throw this.bad(`numpy array dimension ${String(d)}`);
      return d;
    });
  }

  private makeArray(dt: DType, shape: number[], fortran: boolean, raw: Uint8Array): Tensor<TypedArray> {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = this.typed(dt, raw, n);
    if (!fortran || shape.length < 2) return tensor(data, shape);
    // Fortran order: view the column-major buffer with reversed strides, then copy to C order
    const strides: number[] = [];
    let s = 1;
    for (let i = 0; i < shape.length; i++) {
      strides.push(s);
      s *= shape[i];
    }
    const out = new (data.constructor as new (n: number) => TypedArray)(n);
    const idx = new Array<number>(shape.length).fill(0);
    for (let k = 0; k < n; k++) {
      let src = 0;
      for (let d = 0; d < shape.length; d++) src += idx[d] * strides[d];
      (out as unknown as number[])[k] = (data as unknown as number[])[src];
      for (let d = shape.length - 1; d >= 0; d--) {
        if (++idx[d] < shape[d]) break;
        idx[d] = 0;
      }
    }
    return tensor(out, shape);
  }

  private typed(dt: DType, raw: Uint8Array, n: number): TypedArray {
    let ts = dt.typestr;
    let order = dt.byteorder;
    if (/^[<>=|]/.test(ts)) {
      order = ts[0];
      ts = ts.slice(1);
    }
    const kind = ts[0];
    const size = Number(ts.slice(1));
    const spec = DTYPES[`${kind}${size}`];
    if (!spec || ts.length < 2) throw this.forbid(`numpy dtype '${dt.typestr}' (only bool, int, uint and float arrays)`);
    if (raw.length !== n * size) throw this.bad(`numpy array of ${n} × ${dt.typestr} needs ${n * size} bytes, got ${raw.length}`);
    const big = order === '>';
    const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const out = spec.make(n);
    for (let i = 0; i < n; i++) (out as unknown as (number | bigint)[])[i] = spec.get(v, i * size, !big);
    return out;
  }

  private resolve(x: unknown, seen: Map<unknown, unknown>): unknown {
    if (x === null || typeof x !== 'object') return x;
    if (x instanceof Uint8Array) return x;
    if (seen.has(x)) return seen.get(x);
    if (x instanceof PendingArray) {
      if (!x.value) throw this.bad('numpy array without state');
      seen.set(x, x.value);
      return x.value;
    }
    if (Array.isArray(x)) {
      const out: unknown[] = [];
      seen.set(x, out);
      for (const v of x) out.push(this.resolve(v, seen));
      return out;
    }
    if (x instanceof PyTuple) {
      const out: unknown[] = [];
      seen.set(x, out);
      for (const v of x.items) out.push(this.resolve(v, seen));
      return Object.freeze(out);
    }
    if (x instanceof PyDict) {
      if (this.dicts === 'map') {
        const m = new Map<unknown, unknown>();
        seen.set(x, m);
        for (const [k, v] of x.entries) m.set(this.resolve(k, seen), this.resolve(v, seen));
        return m;
      }
      const o: Record<string, unknown> = {};
      seen.set(x, o);
      for (const [k, v] of x.entries) {
        if (k !== null && typeof k === 'object') throw this.bad(`dict key ${this.describe(k)} needs the option dicts: 'map'`);
        const key = k === null ? 'None' : k === true ? 'True' : k === false ? 'False' : String(k);
        Object.defineProperty(o, key, { value: this.resolve(v, seen), enumerable: true, writable: true, configurable: true });
      }
      return o;
    }
    if (x instanceof TorchTensorValue) return x;
    if (x instanceof GlobalRef) throw this.forbid(`a bare global ${x.name} as a value`);
    if (x instanceof Storage) throw this.forbid(`a bare storage '${x.ref.key}' as a value (only tensors over it)`);
    if (x instanceof DType) return x.typestr;
    throw this.bad(`unexpected ${this.describe(x)}`);
  }
}

/** Raw array bytes: bytes, or a Python 2 `str` (BINSTRING, read as latin-1 text) as Python 2 pickles hold them. */
function asRaw(x: unknown): Uint8Array | undefined {
  if (x instanceof Uint8Array) return x;
  if (typeof x !== 'string') return undefined;
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const c = x.charCodeAt(i);
    if (c > 0xff) return undefined;
    out[i] = c;
  }
  return out;
}

function smallInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

interface DSpec {
  make(n: number): TypedArray;
  get(v: DataView, o: number, le: boolean): number | bigint;
}
const DTYPES: Record<string, DSpec> = {
  b1: { make: (n) => new Uint8Array(n), get: (v, o) => (v.getUint8(o) ? 1 : 0) },
  i1: { make: (n) => new Int8Array(n), get: (v, o) => v.getInt8(o) },
  u1: { make: (n) => new Uint8Array(n), get: (v, o) => v.getUint8(o) },
  i2: { make: (n) => new Int16Array(n), get: (v, o, le) => v.getInt16(o, le) },
  u2: { make: (n) => new Uint16Array(n), get: (v, o, le) => v.getUint16(o, le) },
  i4: { make: (n) => new Int32Array(n), get: (v, o, le) => v.getInt32(o, le) },
  u4: { make: (n) => new Uint32Array(n), get: (v, o, le) => v.getUint32(o, le) },
  i8: { make: (n) => new BigInt64Array(n), get: (v, o, le) => v.getBigInt64(o, le) },
  u8: { make: (n) => new BigUint64Array(n), get: (v, o, le) => v.getBigUint64(o, le) },
  f2: { make: (n) => new Float32Array(n), get: (v, o, le) => half(v.getUint16(o, le)) },
  f4: { make: (n) => new Float32Array(n), get: (v, o, le) => v.getFloat32(o, le) },
  f8: { make: (n) => new Float64Array(n), get: (v, o, le) => v.getFloat64(o, le) },
};

function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}
