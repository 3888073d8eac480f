// The checkpoint codec of `vit study`: a pass's state (the analyses' `toJSON()`s plus the pass's
// progress) as one `.npz` file: every typed array, tensor and long number list is a binary `.npy`
// member, the rest is JSON in the member `__json__`. Written atomically (temp file + rename), so a
// reader sees the previous checkpoint or the new one, never a torn file, whenever the process dies.
import { readFile } from 'node:fs/promises';
import { atomicWrite, contiguous, parseNpz, serializeNpz, serializeNpzParts, tensor, VitIoError, type Tensor, type TypedArray } from '@vit/io';
import type { SkippedImage } from '@vit/runtime';

/** What `state.ckpt` of a pass (or a shard of it) holds. */
export interface PassCheckpoint {
  /** sha256 of everything the pass's results depend on (see `passFingerprint`). */
  fingerprint: string;
  /** Items of the pass (its shard's slice) consumed so far, skipped images included. */
  done: number;
  /** Items of the pass (its shard's slice). */
  total: number;
  /** True once every item was consumed and the states were written after the last batch. */
  complete: boolean;
  /** Images the session could not decode, with `index` into the dataset's items. */
  skipped: SkippedImage[];
  /** Seconds spent streaming, summed over runs. */
  seconds: number;
  /** `toJSON()` of each analysis state of the pass, in the pass's order. */
  states: unknown[];
}

const JSON_ENTRY = '__json__';
/** Plain number lists at least this long are stored as float64 `.npy` (exact, NaN and -0 included). */
const LONG_LIST = 64;

function isTensor(x: unknown): x is Tensor<TypedArray> {
  const t = x as Tensor<TypedArray>;
  return !!t && typeof t === 'object' && Array.isArray(t.shape) && Array.isArray(t.stride) && ArrayBuffer.isView(t.data) && typeof t.offset === 'number';
}

function isTypedArray(x: unknown): x is TypedArray {
  return ArrayBuffer.isView(x) && !(x instanceof DataView);
}

/**
 * Encode a JSON-like value with typed arrays and tensors as `.npz` bytes. Numbers that JSON
 * cannot hold (NaN, ±Infinity, -0) and `undefined` object fields round-trip too.
 * @param value what to store.
 * @returns the `.npz` file's bytes.
 */
export function encodeCheckpoint(value: unknown): Uint8Array {
  return serializeNpz(checkpointArrays(value));
}

/**
 * The `.npz` members of a checkpoint: the typed arrays themselves (no copy: they are written
 * before anything can change them) and the JSON of the rest.
 */
function checkpointArrays(value: unknown): Record<string, Tensor<TypedArray>> {
  const arrays: Record<string, Tensor<TypedArray>> = {};
  let n = 0;
  const add = (t: Tensor<TypedArray>): string => {
    const name = `a${n++}`;
    arrays[name] = t;
    return name;
  };
  const enc = (v: unknown): unknown => {
    if (typeof v === 'number') {
      if (Number.isNaN(v)) return { $num: 'NaN' };
      if (v === Infinity) return { $num: 'Infinity' };
      if (v === -Infinity) return { $num: '-Infinity' };
      if (Object.is(v, -0)) return { $num: '-0' };
      return v;
    }
    if (typeof v === 'bigint') return { $bigint: v.toString() };
    if (v === undefined) return { $undefined: true };
    if (v === null || typeof v !== 'object') return v;
    if (isTensor(v)) {
      const data = contiguous(v).data; // a view when C-contiguous, a C-order copy otherwise
      return { $tensor: add(tensor(data, [data.length])), shape: [...v.shape], type: v.data.constructor.name };
    }
    if (isTypedArray(v)) return { $typed: add(tensor(v, [v.length])), type: v.constructor.name }; // the member holds exactly the view's elements
    if (Array.isArray(v)) {
      if (v.length >= LONG_LIST && v.every((x) => typeof x === 'number')) return { $numbers: add(tensor(Float64Array.from(v as number[]), [v.length])) };
      return v.map(enc);
    }
    const proto = Object.getPrototypeOf(v);
    const src = proto !== Object.prototype && proto !== null && typeof (v as { toJSON?: unknown }).toJSON === 'function' ? (v as { toJSON(): unknown }).toJSON() : v;
    if (src !== v) return enc(src);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (typeof x === 'function' || typeof x === 'symbol') continue;
      out[k.startsWith('$') ? `$${k}` : k] = enc(x);
    }
    return out;
  };
  const json = JSON.stringify(enc(value));
  const bytes = new TextEncoder().encode(json);
  return { ...arrays, [JSON_ENTRY]: tensor(bytes, [bytes.length]) };
}

type TypedCtor = new (a: ArrayLike<number>) => TypedArray;
const TYPED: Record<string, TypedCtor> = {
  Float32Array: Float32Array as unknown as TypedCtor,
  Float64Array: Float64Array as unknown as TypedCtor,
  Int8Array: Int8Array as unknown as TypedCtor,
  Int16Array: Int16Array as unknown as TypedCtor,
  Int32Array: Int32Array as unknown as TypedCtor,
  Uint8Array: Uint8Array as unknown as TypedCtor,
  Uint8ClampedArray: Uint8ClampedArray as unknown as TypedCtor,
  Uint16Array: Uint16Array as unknown as TypedCtor,
  Uint32Array: Uint32Array as unknown as TypedCtor,
  BigInt64Array: BigInt64Array as unknown as TypedCtor,
  BigUint64Array: BigUint64Array as unknown as TypedCtor,
};

/**
 * Decode what {@link encodeCheckpoint} wrote: the same value, typed arrays of the same type,
 * tensors as fresh C-order tensors.
 * @param bytes the `.npz` file's bytes.
 * @param file the file's name, for error messages.
 * @returns the value.
 * @throws VitIoError (`VIT_IO_FORMAT`) when the file is not a checkpoint.
 */
export function decodeCheckpoint(bytes: Uint8Array, file?: string): unknown {
  const arrays = parseNpz(bytes, file);
  const j = arrays[JSON_ENTRY];
  if (!j) throw new VitIoError('not a vit study checkpoint (no JSON entry); delete it to start the pass again.', { code: 'VIT_IO_FORMAT', file });
  const get = (name: string): TypedArray => {
    const t = arrays[name];
    if (!t) throw new VitIoError(`a vit study checkpoint without its array ${name}; delete it to start the pass again.`, { code: 'VIT_IO_FORMAT', file });
    return t.data.subarray(t.offset, t.offset + t.size) as TypedArray;
  };
  const dec = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(dec);
    const o = v as Record<string, unknown>;
    if (typeof o.$num === 'string') return Number(o.$num);
    if (typeof o.$bigint === 'string') return BigInt(o.$bigint);
    if (o.$undefined === true) return undefined;
    if (typeof o.$tensor === 'string') {
      const d = get(o.$tensor);
      const Ctor = TYPED[o.type as string] ?? (d.constructor as new (a: TypedArray) => TypedArray);
      return tensor(new Ctor(d as unknown as ArrayLike<number>), o.shape as number[]);
    }
    if (typeof o.$typed === 'string') {
      const d = get(o.$typed);
      const Ctor = TYPED[o.type as string] ?? (d.constructor as new (a: TypedArray) => TypedArray);
      return new Ctor(d as unknown as ArrayLike<number>);
    }
    if (typeof o.$numbers === 'string') return Array.from(get(o.$numbers) as Float64Array);
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k.startsWith('$$') ? k.slice(1) : k] = dec(x);
    return out;
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(get(JSON_ENTRY) as Uint8Array));
  } catch (e) {
    throw new VitIoError('a vit study checkpoint with unreadable JSON; delete it to start the pass again.', { code: 'VIT_IO_FORMAT', file, cause: e });
  }
  return dec(parsed);
}

/**
 * Write a pass checkpoint atomically (temp file + fsync + rename). The states' arrays must not
 * change until the returned promise settles.
 * @param path the `state.ckpt` file; its folder must exist.
 * @param ckpt the pass's state.
 */
export async function writeCheckpoint(path: string, ckpt: PassCheckpoint): Promise<void> {
  // In parts: the states' arrays go to the file without being joined into one buffer.
  await atomicWrite(path, serializeNpzParts(checkpointArrays(ckpt)));
}

/**
 * Read a pass checkpoint, or `undefined` when there is none.
 * @param path the `state.ckpt` file.
 * @returns the checkpoint.
 * @throws VitIoError when the file exists but is not a checkpoint.
 */
export async function readCheckpoint(path: string): Promise<PassCheckpoint | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new VitIoError(`cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { code: 'VIT_IO_READ', file: path, cause: e });
  }
  const v = decodeCheckpoint(bytes, path) as PassCheckpoint;
  if (!v || typeof v !== 'object' || typeof v.fingerprint !== 'string' || typeof v.done !== 'number' || !Array.isArray(v.states)) {
    throw new VitIoError('not a vit study pass checkpoint; delete it to start the pass again.', { code: 'VIT_IO_FORMAT', file: path });
  }
  return v;
}
