/**
 * Files written here are read back by numpy: `tools/io-fixtures/make_fixtures.py verify <dir>`
 * loads each one and compares it with the values listed in <dir>/manifest.json. Runs only
 * where /usr/bin/python3 has numpy (a maintainer machine); the package never needs Python.
 * Set VIT_IO_CROSS_DIR to keep the files in that directory.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { slice } from './slice.js';
import { tensor, type DType, type TypedArray } from './tensor.js';
import { transpose } from './transpose.js';
import { writeNpy } from './writeNpy.js';
import { writeNpz } from './writeNpz.js';
import { writeSafetensors } from './writeSafetensors.js';
import type { SafetensorsDType } from './safetensorsDType.js';

const PY = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../../../tools/io-fixtures/make_fixtures.py', import.meta.url));
const hasNumpy = spawnSync(PY, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

type V = number | bigint;
const json = (vals: V[]) =>
  vals.map((v) => (typeof v === 'bigint' ? v.toString() : Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : v));

/** Values each dtype can hold exactly (float16 ones are representable in 11 bits). */
const SAMPLE: Record<DType, V[]> = {
  float32: [1.5, -2.25, 3.4028234663852886e38, NaN, -Infinity, 2 ** -149],
  float64: [Math.PI, -1e308, 5e-324, Infinity, 0.1, -0],
  float16: [0.5, -1.25, 65504, 6.103515625e-5, 5.960464477539063e-8, -2],
  int8: [-128, 127, 0, 1, -1, 42],
  int16: [-32768, 32767, 0, 1, -1, 1234],
  int32: [-2147483648, 2147483647, 0, 1, -1, 123456789],
  int64: [-(2n ** 63n), 2n ** 63n - 1n, 0n, 2n ** 62n + 3n, -(2n ** 53n) - 1n, 7n],
  uint8: [0, 255, 1, 128, 7, 200],
  uint16: [0, 65535, 1, 32768, 7, 40000],
  uint32: [0, 4294967295, 1, 2147483648, 7, 3000000000],
  uint64: [0n, 2n ** 64n - 1n, 1n, 2n ** 63n + 5n, 7n, 2n ** 53n + 1n],
  bool: [1, 0, 1, 0, 0, 1],
};
const ARRAY: Record<DType, new (v: ArrayLike<V>) => TypedArray> = {
  float32: Float32Array, float64: Float64Array, float16: Float32Array, int8: Int8Array, int16: Int16Array,
  int32: Int32Array, int64: BigInt64Array, uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array,
  uint64: BigUint64Array, bool: Uint8Array,
} as never;
const make = (dt: DType, shape = [2, 3]) => tensor(new ARRAY[dt](SAMPLE[dt] as never), shape);
const ST: [SafetensorsDType, DType][] = [
  ['F64', 'float64'], ['F32', 'float32'], ['F16', 'float16'], ['I64', 'int64'], ['I32', 'int32'], ['I16', 'int16'],
  ['I8', 'int8'], ['U8', 'uint8'], ['BOOL', 'bool'], ['U16', 'uint16'], ['U32', 'uint32'], ['U64', 'uint64'],
];

/** Write the files and their manifest; returns the directory. */
async function writeAll(dir: string): Promise<number> {
  const m: { npy: unknown[]; npz: unknown[]; safetensors: unknown[] } = { npy: [], npz: [], safetensors: [] };
  let n = 0;
  for (const dt of Object.keys(SAMPLE) as DType[]) {
    const file = `${dt}.npy`;
    await writeNpy(join(dir, file), make(dt), { dtype: dt });
    m.npy.push({ file, dtype: dt, shape: [2, 3], values: json(SAMPLE[dt]) });
    n++;
  }
  // Rounding on the way in: float32 0.1 → float16 0.0999755859375 (IEEE round to nearest even).
  await writeNpy(join(dir, 'rounded_f16.npy'), tensor(Float32Array.from([0.1, 1 / 3, 70000]), [3]), { dtype: 'float16' });
  m.npy.push({ file: 'rounded_f16.npy', dtype: 'float16', shape: [3], values: [0.0999755859375, 0.333251953125, 'inf'] });
  // A strided view (columns 1..2 of a transposed 3×4) is written in its logical C order.
  const x = tensor(Float32Array.from({ length: 12 }, (_, i) => i), [3, 4]);
  await writeNpy(join(dir, 'view.npy'), slice(transpose(x), [[1, 3]]), { version: 2 });
  m.npy.push({ file: 'view.npy', dtype: 'float32', shape: [2, 3], values: [1, 5, 9, 2, 6, 10] });
  await writeNpy(join(dir, 'v3.npy'), make('int16', [3, 2]), { version: 3 });
  m.npy.push({ file: 'v3.npy', dtype: 'int16', shape: [3, 2], values: json(SAMPLE.int16) });
  await writeNpy(join(dir, 'scalar.npy'), tensor(new Float64Array([-4.5]), []));
  m.npy.push({ file: 'scalar.npy', dtype: 'float64', shape: [], values: [-4.5] });
  await writeNpy(join(dir, 'empty.npy'), tensor(new Int32Array(0), [2, 0, 3]));
  m.npy.push({ file: 'empty.npy', dtype: 'int32', shape: [2, 0, 3], values: [] });
  n += 5;
  const arrays = { features: make('float32'), ids: make('int64', [6]), mask: { tensor: make('bool'), dtype: 'bool' as const }, s: tensor(new Uint16Array([9]), []) };
  const npzExpect = {
    features: { dtype: 'float32', shape: [2, 3], values: json(SAMPLE.float32) },
    ids: { dtype: 'int64', shape: [6], values: json(SAMPLE.int64) },
    mask: { dtype: 'bool', shape: [2, 3], values: json(SAMPLE.bool) },
    s: { dtype: 'uint16', shape: [], values: [9] },
  };
  for (const compress of [false, true]) {
    const file = compress ? 'deflated.npz' : 'stored.npz';
    await writeNpz(join(dir, file), arrays, { compress });
    m.npz.push({ file, arrays: npzExpect });
    n += 4;
  }
  const tensors: Record<string, { tensor: ReturnType<typeof make>; dtype: SafetensorsDType }> = {};
  const stExpect: Record<string, unknown> = {};
  for (const [sd, dt] of ST) {
    tensors[`t.${sd}`] = { tensor: make(dt), dtype: sd };
    stExpect[`t.${sd}`] = { dtype: sd, shape: [2, 3], values: json(SAMPLE[dt]) };
  }
  tensors['t.BF16'] = { tensor: tensor(Float32Array.from([1, -3.140625, 0.1, 0.5]), [4]), dtype: 'BF16' };
  stExpect['t.BF16'] = { dtype: 'BF16', shape: [4], values: [1, -3.140625, 0.10009765625, 0.5] }; // 0.1 rounds to 0x3DCD
  const meta = { format: 'pt', note: 'ünïcode ✓' };
  await writeSafetensors(join(dir, 'model.safetensors'), tensors, meta);
  m.safetensors.push({ file: 'model.safetensors', metadata: meta, tensors: stExpect });
  n += ST.length + 1;
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m, null, 1));
  return n;
}

describe('files written by @vit/io, read by numpy', () => {
  it.skipIf(!hasNumpy)(
    hasNumpy ? 'numpy loads every .npy/.npz/safetensors file with the intended values' : 'SKIPPED: /usr/bin/python3 with numpy is not available here',
    async () => {
      const keep = process.env.VIT_IO_CROSS_DIR;
      const dir = keep ?? mkdtempSync(join(tmpdir(), 'vit-io-cross-'));
      if (keep) mkdirSync(keep, { recursive: true });
      try {
        const n = await writeAll(dir);
        const out = execFileSync(PY, [SCRIPT, 'verify', dir], { encoding: 'utf8' });
        expect(out).toContain(`${n} arrays checked, 0 failures`);
      } finally {
        if (!keep) rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
