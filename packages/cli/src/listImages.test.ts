import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VitIoError } from '@vit/io';
import { listImages } from './listImages.js';

const work = mkdtempSync(join(tmpdir(), 'vit-list-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('listImages', () => {
  it('follows symbolic links to images and to folders, once per folder, sorted by path', async () => {
    const store = join(work, 'store');
    mkdirSync(join(store, 'more'), { recursive: true });
    for (const f of ['x.jpg', 'y.PNG', 'notes.txt', 'more/z.jpeg']) writeFileSync(join(store, f), 'x');
    const subset = join(work, 'subset');
    mkdirSync(join(subset, 'real'), { recursive: true });
    writeFileSync(join(subset, 'real', 'a.png'), 'x');
    symlinkSync(join(store, 'x.jpg'), join(subset, 'b.jpg')); // link to an image
    symlinkSync(join(store, 'y.PNG'), join(subset, 'c.png'));
    symlinkSync(join(store, 'notes.txt'), join(subset, 'd.txt')); // not an image name
    symlinkSync(join(store, 'more'), join(subset, 'linked')); // link to a folder
    symlinkSync(subset, join(subset, 'real', 'loop')); // a cycle: read once
    symlinkSync(join(store, 'gone.jpg'), join(subset, 'e.jpg')); // dangling: kept, decoding reports it
    expect(await listImages(subset, '--images')).toEqual(
      ['b.jpg', 'c.png', 'e.jpg', 'linked/z.jpeg', 'real/a.png'].map((f) => join(subset, f)),
    );
  });

  it('refuses a missing folder, a file, and a folder without images, naming the flag and the path', async () => {
    const empty = join(work, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'a.txt'), 'x');
    const cases: [string, string, string][] = [
      [join(work, 'nope'), 'VIT_NOT_FOUND', 'nope: --images directory not found.'],
      [join(empty, 'a.txt'), 'VIT_IO_READ', 'a.txt: --images must be a directory.'],
      [empty, 'VIT_NO_IMAGES', 'empty: --images directory has no .jpg/.jpeg/.png files.'],
    ];
    for (const [dir, code, tail] of cases) {
      const e = await listImages(dir, '--images').catch((x: unknown) => x);
      expect(e).toBeInstanceOf(VitIoError);
      expect((e as VitIoError).code).toBe(code);
      expect((e as VitIoError).file).toBe(dir);
      expect((e as Error).message.endsWith(tail)).toBe(true);
    }
  });
});
