import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VitIoError } from './errors.js';
import { readNpz } from './readNpz.js';
import { readSafetensors } from './readSafetensors.js';
import { tensor } from './tensor.js';
import { values } from './testFixtures.js';
import { writeNpz } from './writeNpz.js';
import { writeSafetensors } from './writeSafetensors.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vit-io-files-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('readNpz / writeNpz, readSafetensors / writeSafetensors', () => {
  it('write atomically and read back', async () => {
    await writeNpz(join(dir, 'a.npz'), { x: tensor(Float32Array.from([1, 2]), [2]), y: tensor(new Int8Array([-3]), []) }, { compress: true });
    const z = await readNpz(join(dir, 'a.npz'));
    expect(values(z.x.data)).toEqual([1, 2]);
    expect(z.y.shape).toEqual([]);
    await writeSafetensors(join(dir, 'w.safetensors'), { w: { tensor: tensor(Float32Array.from([0.5, -1]), [1, 2]), dtype: 'BF16' } }, { k: 'v' });
    const s = await readSafetensors(join(dir, 'w.safetensors'));
    expect(s.tensors.w.dtype).toBe('BF16');
    expect(values(s.tensors.w.tensor.data)).toEqual([0.5, -1]);
    expect(s.metadata).toEqual({ k: 'v' });
    expect((await readdir(dir)).sort()).toEqual(['a.npz', 'w.safetensors']);
  });
  it('name the file in every error', async () => {
    const p = join(dir, 'junk.safetensors');
    await writeFile(p, 'definitely not safetensors');
    const e = await readSafetensors(p).catch((x) => x);
    expect(e).toBeInstanceOf(VitIoError);
    expect(e.file).toBe(p);
    expect(e.message.startsWith(`${p}: safetensors header length`)).toBe(true);
    await expect(readNpz(join(dir, 'none.npz'))).rejects.toThrow(/none\.npz: cannot read \(ENOENT\)/);
    await expect(readNpz(p)).rejects.toMatchObject({ code: 'VIT_IO_MAGIC', file: p });
  });
});
