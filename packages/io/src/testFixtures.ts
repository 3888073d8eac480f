/** Test-only helpers: the checked-in cross-language fixtures (not exported, not published). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

export type JsonValue = number | string;

export interface FixtureManifest {
  npy: { file: string; dtype: string; shape: number[]; fortranOrder: boolean; version: [number, number]; byteOrder: string; values: JsonValue[] }[];
  npz: { file: string; compressed: boolean; arrays: Record<string, { dtype: string; shape: number[]; values: JsonValue[] }> }[];
  safetensors: { file: string; metadata: Record<string, string>; tensors: Record<string, { dtype: string; shape: number[]; values: JsonValue[] }> }[];
  images: {
    file: string;
    kind: 'jpeg' | 'png';
    orientation?: number;
    expected?: string;
    rgba?: string;
    labels?: string;
    shape: number[];
    colorType?: number;
    depth?: number;
  }[];
}

export const manifest = (): FixtureManifest => JSON.parse(readFileSync(`${FIXTURES}manifest.json`, 'utf8'));
export const fixture = (name: string): Uint8Array => readFileSync(FIXTURES + name);

/** Manifest values → JS values: 64-bit integers (strings) → bigint, 'nan'/'inf' → numbers. */
export function expectedValues(values: JsonValue[], dtype: string): (number | bigint)[] {
  const big = dtype === 'int64' || dtype === 'uint64' || dtype === 'I64' || dtype === 'U64';
  return values.map((v) => {
    if (big) return BigInt(v);
    if (v === 'nan') return NaN;
    if (v === 'inf') return Infinity;
    if (v === '-inf') return -Infinity;
    return v as number;
  });
}

/** Array.from that keeps -0 and NaN distinguishable through `Object.is` in toEqual. */
export const values = (a: ArrayLike<number | bigint>): (number | bigint)[] => Array.from(a as ArrayLike<number>);
