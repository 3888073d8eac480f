import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { atomicWrite, contiguous, serializeNpy, VitValueError, type Tensor, type TypedArray } from '@vit/io';
import type { ReportInput } from './types.js';

/** Result of {@link writeResults}. */
export interface WriteResultsResult {
  /** Path of the `results.json` written. */
  json: string;
  /** `.npy` files written, relative to the folder. */
  arrays: string[];
}

/** True for a tensor (scijs ndarray over a typed array). */
function isTensor(x: unknown): x is Tensor<TypedArray> {
  const t = x as Tensor<TypedArray>;
  return !!t && typeof t === 'object' && Array.isArray(t.shape) && Array.isArray(t.stride) && ArrayBuffer.isView(t.data) && typeof t.offset === 'number';
}

/**
 * Writes a {@link ReportInput} as a study's output folder: `results.json` with every tensor
 * replaced by `{ "$npy": "arrays/<model>/<field path>.npy" }`, and those `.npy` files (numpy
 * reads them with `numpy.load`). Every file is written atomically; `results.json` last, so a
 * folder whose `results.json` exists is complete. {@link readResults} reads it back.
 * @param input The results.
 * @param dir Output folder (created when missing).
 * @returns The paths written.
 * @throws VitValueError when `input` is not a ReportInput; VitIoError when a file cannot be written.
 * @example await writeResults(results, 'study-output')
 */
export async function writeResults(input: ReportInput, dir: string): Promise<WriteResultsResult> {
  if (!input || !Array.isArray(input.models)) throw new VitValueError('`input` of writeResults must be a ReportInput with a `models` array.');
  if (typeof dir !== 'string' || !dir) throw new VitValueError('`dir` of writeResults must be a folder path.');
  const arrays: string[] = [];
  const pending: { rel: string; t: Tensor<TypedArray> }[] = [];
  const used = new Set<string>();
  const encode = (v: unknown, path: string[]): unknown => {
    if (isTensor(v)) {
      let rel = `arrays/${path.map((p) => p.replace(/[^A-Za-z0-9._-]+/g, '_')).join('.')}.npy`.replace('arrays/models.', 'arrays/');
      let i = 1;
      while (used.has(rel)) rel = rel.replace(/(\.\d+)?\.npy$/, `.${i++}.npy`);
      used.add(rel);
      pending.push({ rel, t: v });
      return { $npy: rel };
    }
    if (Array.isArray(v)) return v.map((x, i) => encode(x, [...path, String(i)]));
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      // models are named by their `name`, not their index, in file names
      const name = (v as { name?: unknown }).name;
      const here = path.length === 2 && path[0] === 'models' && typeof name === 'string' ? ['models', name] : path;
      for (const [k, x] of Object.entries(v)) out[k] = encode(x, [...here, k]);
      return out;
    }
    if (typeof v === 'number' && !Number.isFinite(v)) return null;
    return v;
  };
  const json = encode(input, []);
  await mkdir(dir, { recursive: true });
  // An older results.json goes first: a folder holding one is always complete, even when this write is interrupted.
  const path = join(dir, 'results.json');
  await rm(path, { force: true });
  for (const { rel, t } of pending) {
    const file = join(dir, rel);
    await mkdir(dirname(file), { recursive: true });
    await atomicWrite(file, serializeNpy(contiguous(t)));
    arrays.push(rel);
  }
  await atomicWrite(path, `${JSON.stringify(json, null, 1)}\n`);
  return { json: path, arrays };
}
