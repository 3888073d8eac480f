// Test helpers (not exported from the package).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readImage } from '@vit/io';
import type { ImageReader } from '../types.js';

/** An image reader that records every path it decodes, to prove loading is lazy. */
export function countingReader(): { reader: ImageReader; reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    reader: async (p) => {
      reads.push(p);
      return readImage(p);
    },
  };
}

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'vit-datasets-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
