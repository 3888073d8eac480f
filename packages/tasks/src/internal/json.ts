import { VitValueError } from '@vit/io';
import type { AccumulatorJSON } from '@vit/io';

/** Little-endian bytes of a typed array as base64 (exact; browsers and Node). */
export function toBase64(a: Float32Array | Float64Array | Int32Array): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

type Ctor<T> = { new (buffer: ArrayBuffer): T; BYTES_PER_ELEMENT: number };

/** Decode {@link toBase64}; `length` is the expected element count. */
export function fromBase64<T extends Float32Array | Float64Array | Int32Array>(s: unknown, C: Ctor<T>, length: number, what: string, fn: string): T {
  if (typeof s !== 'string') throw new VitValueError(`\`${what}\` of ${fn} must be a base64 string. Got ${typeof s}.`);
  const bin = atob(s);
  if (bin.length !== length * C.BYTES_PER_ELEMENT) {
    throw new VitValueError(`\`${what}\` of ${fn} must hold ${length} values. Got ${bin.length / C.BYTES_PER_ELEMENT}.`, { code: 'VIT_SHAPE' });
  }
  const buf = new ArrayBuffer(bin.length);
  const u8 = new Uint8Array(buf);
  for (let i = 0; i < bin.length; i++) u8[i] = bin.charCodeAt(i);
  return new C(buf);
}

/** Check the envelope of a serialised accumulator. */
export function checkEnvelope(json: unknown, kind: string, version: number, fn: string): AccumulatorJSON<Record<string, unknown>, Record<string, unknown>> {
  const j = json as AccumulatorJSON<Record<string, unknown>, Record<string, unknown>>;
  if (!j || typeof j !== 'object' || j.kind !== kind) {
    throw new VitValueError(`\`json\` of ${fn} must be the toJSON() output of a ${kind}. Got kind ${JSON.stringify((j as { kind?: unknown })?.kind)}.`);
  }
  if (j.version !== version) throw new VitValueError(`\`json.version\` of ${fn} must be ${version}. Got ${JSON.stringify(j.version)}: re-run the analysis with this version.`);
  if (!j.options || typeof j.options !== 'object' || !j.state || typeof j.state !== 'object' || !Number.isInteger(j.seen)) {
    throw new VitValueError(`\`json\` of ${fn} must have options, state and seen. Got keys ${Object.keys(j).join(', ')}.`);
  }
  return j;
}

/** JSON has no NaN: numbers that may be NaN travel as null. */
export const encodeNaN = (a: ArrayLike<number>): (number | null)[] => Array.from(a, (x) => (Number.isNaN(x) ? null : x));
/** Inverse of {@link encodeNaN}. */
export const decodeNaN = (a: readonly (number | null)[]): number[] => a.map((x) => (x === null ? NaN : x));
