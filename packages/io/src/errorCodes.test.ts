import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VIT_ERROR_CODES } from './errorCodes.js';
import { VitError, VitIoError, VitValueError } from './errors.js';

const packagesDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every non-test TypeScript source of every package. */
function sources(): string[] {
  const out: string[] = [];
  for (const pkg of readdirSync(packagesDir)) {
    const src = join(packagesDir, pkg, 'src');
    let entries;
    try {
      entries = readdirSync(src, { recursive: true, withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) out.push(join(e.parentPath, e.name));
    }
  }
  return out;
}

describe('VitErrorCode: one vocabulary', () => {
  it('lists every code written in a package source (quoted or in backticks)', () => {
    const files = sources();
    expect(files.length).toBeGreaterThan(100); // the scan found the packages
    const unknown: string[] = [];
    const seen = new Set<string>();
    for (const f of files) {
      for (const m of readFileSync(f, 'utf8').matchAll(/['"`](VIT_[A-Z0-9_]*[A-Z0-9])['"`]/g)) {
        seen.add(m[1]);
        if (!(VIT_ERROR_CODES as readonly string[]).includes(m[1])) unknown.push(`${relative(packagesDir, f)}: ${m[1]}`);
      }
    }
    expect(unknown).toEqual([]);
    // the scan reads the codes themselves, not just this file's list
    expect(seen.has('VIT_NOT_FOUND') && seen.has('VIT_DATASET_LAYOUT') && seen.has('VIT_NO_ATTENTION')).toBe(true);
  });

  it('has no duplicates and only VIT_ codes', () => {
    expect(new Set(VIT_ERROR_CODES).size).toBe(VIT_ERROR_CODES.length);
    for (const c of VIT_ERROR_CODES) expect(c).toMatch(/^VIT_[A-Z0-9_]+$/);
  });
});

describe('VitError constructors: (message, { code, file?, cause? })', () => {
  it('keeps code, file and cause, and prefixes the message with the file', () => {
    const cause = new Error('inner');
    const e = new VitError('bad header.', { code: 'VIT_IO_HEADER', file: 'x.npy', cause });
    expect(e).toBeInstanceOf(Error);
    expect([e.name, e.message, e.code, e.file, e.cause]).toEqual(['VitError', 'x.npy: bad header.', 'VIT_IO_HEADER', 'x.npy', cause]);
  });

  it('defaults the code of VitIoError to VIT_IO and of VitValueError to VIT_VALUE', () => {
    const io = new VitIoError('cannot write.');
    const v = new VitValueError('`k` must be positive.');
    expect([io.name, io.code, io.file, io.message, 'cause' in io]).toEqual(['VitIoError', 'VIT_IO', undefined, 'cannot write.', false]);
    expect([v.name, v.code, v instanceof VitError]).toEqual(['VitValueError', 'VIT_VALUE', true]);
    expect(new VitValueError('shape.', { code: 'VIT_SHAPE' }).code).toBe('VIT_SHAPE');
  });
});
