// Test-only helpers over packages/runtime/fixtures (written by tools/runtime-fixtures/make_fixtures.py).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { readNpy, type Tensor } from '@vit/io';
import type { RawTensor } from './canonicalTaps.js';
import type { ModelInfo } from './types.js';

/** Directory of a fixture case. */
export function fixtureDir(name: string): string {
  return fileURLToPath(new URL(`../../fixtures/${name}/`, import.meta.url));
}

/** Path of a fixture's model. */
export function fixtureModel(name: string): string {
  return fixtureDir(name) + 'model.onnx';
}

/** What PyTorch says about a fixture (its config, not read from the graph). */
export interface Expected
  extends Pick<ModelInfo, 'layers' | 'heads' | 'dim' | 'tokens' | 'prefixTokens' | 'grid' | 'patch' | 'imageSize'> {
  batch: number | null;
}

export function fixtureExpected(name: string): Expected {
  return JSON.parse(readFileSync(fixtureDir(name) + 'expected.json', 'utf8')) as Expected;
}

/** A tensor PyTorch saved for the fixture's fixed input. */
export async function fixtureNpy(name: string, file: string): Promise<Tensor<Float32Array>> {
  return (await readNpy(fixtureDir(name) + file)).tensor as Tensor<Float32Array>;
}

/** Run ONNX bytes once on the main thread and return every float output (test-only; the session uses a worker). */
export async function runOnce(bytes: Uint8Array, inputName: string, x: Tensor<Float32Array>): Promise<Record<string, RawTensor>> {
  const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    const out = await s.run({ [inputName]: new ort.Tensor('float32', x.data.slice(x.offset, x.offset + x.size), x.shape) });
    const raw: Record<string, RawTensor> = {};
    for (const [k, v] of Object.entries(out)) if (v.type === 'float32') raw[k] = { data: v.data as Float32Array, dims: v.dims.map(Number) };
    return raw;
  } finally {
    await s.release();
  }
}

/** Largest |a − b| over two same-size tensors (C order), `Infinity` on a shape mismatch. */
export function maxAbsDiff(a: Tensor<Float32Array>, b: Tensor<Float32Array>): number {
  if (a.shape.join() !== b.shape.join()) return Infinity;
  let m = 0;
  for (let i = 0; i < a.size; i++) m = Math.max(m, Math.abs(a.data[a.offset + i] - b.data[b.offset + i]));
  return m;
}

/** Largest |Σ_k A[b,h,q,k] − 1| over all rows of an attention tensor [B,H,T,T]. */
export function rowSumError(att: Tensor<Float32Array>): number {
  const T = att.shape[3];
  let m = 0;
  for (let r = 0; r < att.size / T; r++) {
    let s = 0;
    for (let k = 0; k < T; k++) s += att.data[att.offset + r * T + k];
    m = Math.max(m, Math.abs(s - 1));
  }
  return m;
}
