import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VitIoError } from './errors.js';
import { isTorchTensor } from './isTorchTensor.js';
import { parsePickle } from './parsePickle.js';
import { parseTorchCheckpoint } from './parseTorchCheckpoint.js';
import type { PickleDict, TorchTensor } from './pickle.js';
import { readTorchCheckpoint } from './readTorchCheckpoint.js';
import { FIXTURES, fixture } from './testFixtures.js';

const T = (name: string) => fixture(`torch/${name}`);

describe('parseTorchCheckpoint (fixtures written by torch.save of PyTorch 1.13, tools/checkpoint-fixtures)', () => {
  it('rebuilds every storage type, a strided view, a scalar, an empty tensor, torch.Size and argparse.Namespace', () => {
    const { value, format, byteOrder, archive } = parseTorchCheckpoint(T('all_dtypes.pth'), 'all_dtypes.pth');
    expect([format, byteOrder, archive]).toEqual(['torch', 'little', 'all_dtypes']);
    const v = value as PickleDict;
    const ref = JSON.parse(readFileSync(`${FIXTURES}torch/all_dtypes.json`, 'utf8')) as Record<string, [number[], number[]]>;
    const dtypes: Record<string, string> = { f32: 'F32', f16: 'F16', bf16: 'BF16', f64: 'F64', i64: 'I64', view: 'F32', scalar: 'F32', empty: 'F32' };
    for (const [k, [values, shape]] of Object.entries(ref)) {
      const t = v[k] as unknown as TorchTensor;
      expect(isTorchTensor(t), k).toBe(true);
      expect(t.dtype, k).toBe(dtypes[k]);
      expect(t.tensor.shape, k).toEqual(shape);
      // exact: f16/bf16 widen to float32 exactly; the JSON holds the stored values as doubles
      expect(Array.from(t.tensor.data as ArrayLike<number | bigint>, Number), k).toEqual(values);
    }
    expect(v.size).toEqual([3, 4]);
    expect(Object.isFrozen(v.size)).toBe(true);
    expect(v.ns).toEqual({ a: 1, b: 'x' });
  });

  it('readTorchCheckpoint names the file', async () => {
    const r = await readTorchCheckpoint(`${FIXTURES}torch/all_dtypes.pth`);
    expect(Object.keys(r.value as object)).toContain('view');
    await expect(readTorchCheckpoint(`${FIXTURES}torch/legacy.pth`)).rejects.toThrow(/legacy\.pth: legacy \(pre-1\.6\) torch\.save format/);
  });

  it('refuses a posix.system reduce by name and runs nothing', () => {
    const run = () => parseTorchCheckpoint(T('system.pth'), 'system.pth');
    expect(run).toThrow(VitIoError);
    expect(run).toThrow(/^system\.pth: parseTorchCheckpoint refuses global (posix|os)\.system: only tensors and plain data/);
    expect(run).toThrow(expect.objectContaining({ code: 'VIT_IO_PICKLE_FORBIDDEN' }));
    expect(existsSync('/tmp/vit-pwned')).toBe(false);
  });

  it('refuses a nested pickle (pickle.loads of another pickle)', () => {
    expect(() => parseTorchCheckpoint(T('nested_pickle.pth'), 'nested_pickle.pth')).toThrow(/refuses global (_?pickle)\.loads/);
  });

  it('refuses a storage or a view that points past the end, before reading it', () => {
    expect(() => parseTorchCheckpoint(T('storage_past_end.pth'), 'a.pth')).toThrow(/^a\.pth: storage '0' of 1000 × F32 needs 4000 bytes but the archive holds 16: it points past the end/);
    expect(() => parseTorchCheckpoint(T('view_past_end.pth'), 'b.pth')).toThrow(/^b\.pth: a tensor of size \[2,2\], stride \[3,1\] at offset 0 reaches element 4 of storage '0', which holds 4: it points past the end/);
  });

  it('refuses the legacy format with the command that re-saves it', () => {
    expect(() => parseTorchCheckpoint(T('legacy.pth'), 'old.pth')).toThrow(
      /^old\.pth: legacy \(pre-1\.6\) torch\.save format, .*torch\.save\(torch\.load\('old\.pth', map_location='cpu', weights_only=True\), 'resaved\.pth', _use_new_zipfile_serialization=True\)/,
    );
    expect(() => parseTorchCheckpoint(T('legacy.pth'))).toThrow(expect.objectContaining({ code: 'VIT_IO_TORCH' }));
  });

  it('refuses a file that is neither', () => {
    expect(() => parseTorchCheckpoint(new TextEncoder().encode('hello world'))).toThrow(/^parseTorchCheckpoint: not a PyTorch checkpoint: expected a zip/);
  });
});

describe('parsePickle (the data unpickler, shared with @vit/datasets)', () => {
  it('reads plain data at protocols 2 and 4', () => {
    for (const p of [2, 4]) {
      const v = parsePickle(T(`plain_p${p}.pkl`)) as PickleDict;
      expect(v.ints).toEqual([1, -2, 2n ** 70n]);
      expect(v.floats).toEqual([0.5, Infinity]);
      expect(v.text).toBe('ü');
      expect(v.bytes).toEqual(Uint8Array.from([0, 255]));
      expect(v.none).toBe(null);
      expect(v.nested).toEqual({ a: [true, false] });
    }
  });

  it('refuses torch tensors outside a checkpoint (persistent ids)', () => {
    expect(() => parsePickle(Uint8Array.from([0x80, 0x02, 0x4e, 0x51, 0x2e]))).toThrow(/parsePickle refuses persistent ids/);
  });
});
