import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { atomicWrite } from './atomicWrite.js';
import { VitIoError } from './errors.js';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('atomicWrite', () => {
  it('writes, replaces, and leaves no temporary files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vit-io-aw-'));
    dirs.push(dir);
    const p = join(dir, 'r.json');
    await atomicWrite(p, '{"a":1}');
    await atomicWrite(p, new Uint8Array([123, 125]));
    expect(await readFile(p, 'utf8')).toBe('{}');
    expect(await readdir(dir)).toEqual(['r.json']);
  });
  it('writes parts in order, more parts than one writev takes, empty parts included', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vit-io-aw-'));
    dirs.push(dir);
    const p = join(dir, 'parts.bin');
    const parts = Array.from({ length: 150 }, (_, i) => Uint8Array.from({ length: i % 5 }, (_, k) => (i + k) & 0xff));
    await atomicWrite(p, parts);
    expect(new Uint8Array(await readFile(p))).toEqual(Uint8Array.from(parts.flatMap((x) => [...x])));
    await expect(atomicWrite(p, [new Uint8Array(1), 'x' as never])).rejects.toThrow(/must be a Uint8Array, a string or an array of Uint8Arrays/);
  });
  it('fails with a VitIoError naming the file, and cleans up the temporary file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vit-io-aw-'));
    dirs.push(dir);
    const missing = join(dir, 'no', 'such', 'dir', 'x.npy');
    await expect(atomicWrite(missing, 'x')).rejects.toThrow(`${missing}: cannot write (ENOENT)`);
    // The rename fails (destination is a non-empty directory) after the temp file was written.
    const target = join(dir, 'occupied');
    await mkdir(join(target, 'inside'), { recursive: true });
    const err = await atomicWrite(target, 'x').catch((e) => e);
    expect(err).toBeInstanceOf(VitIoError);
    expect(err.code).toBe('VIT_IO_WRITE');
    expect((await readdir(dir)).sort()).toEqual(['occupied']);
    await expect(atomicWrite('', 'x')).rejects.toThrow(/`path` of atomicWrite must be a non-empty string/);
  });
});
