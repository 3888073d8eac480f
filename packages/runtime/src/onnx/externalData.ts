import { statSync } from 'node:fs';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';
import { VitIoError } from '@vit/io';
import type { ModelProto, TensorProto } from './proto.js';

/** Where one initializer's bytes live when they are stored beside the `.onnx` file (ONNX external data). */
export interface ExternalDataRef {
  /** The initializer's name. */
  name: string;
  /** The side file, relative to the model's folder (ONNX `location`). */
  location: string;
  /** Byte offset in the side file (ONNX `offset`, default 0). */
  offset: number;
  /** Byte length (ONNX `length`; `undefined` = to the end of the file). */
  length?: number;
}

/** Whether a tensor's bytes are stored in a side file. */
export function isExternal(t: TensorProto): boolean {
  return t.dataLocation === 1 || !!t.externalData?.length;
}

/** The external-data references of every initializer of `model` (empty for a self-contained model). */
export function externalDataRefs(model: ModelProto): ExternalDataRef[] {
  const refs: ExternalDataRef[] = [];
  for (const t of model.graph?.initializer ?? []) {
    if (!isExternal(t)) continue;
    const kv = new Map((t.externalData ?? []).map((e) => [e.key, e.value]));
    const num = (k: string) => (kv.has(k) ? Number(kv.get(k)) : undefined);
    refs.push({ name: t.name ?? '', location: kv.get('location') ?? '', offset: num('offset') ?? 0, length: num('length') });
  }
  return refs;
}

/**
 * Check that every external-data reference of `model` resolves inside `dir`: a relative `location`
 * that stays in the folder, an existing file, `offset + length` within it. Returns the references.
 * @throws VitIoError `VIT_EXTERNAL_DATA` naming the initializer and the side file, one line.
 */
export function checkExternalData(model: ModelProto, dir: string | undefined, fn: string, file?: string): ExternalDataRef[] {
  const refs = externalDataRefs(model);
  if (!refs.length) return refs;
  const fail = (msg: string): never => {
    // With a file, VitIoError prefixes its path; bytes are named by the function.
    throw new VitIoError(file ? msg : `${fn}: ${msg}`, { file, code: 'VIT_EXTERNAL_DATA' });
  };
  if (dir === undefined) {
    fail(`the model keeps its weights in a side file ("${refs[0].location}") and was given as bytes; pass the path of the .onnx file (or options.externalDataDir, the folder holding "${refs[0].location}").`);
  }
  const sizes = new Map<string, number>();
  for (const r of refs) {
    const loc = r.location;
    if (!loc || isAbsolute(loc) || normalize(loc).split(sep).includes('..') || loc.includes('\0')) {
      fail(`initializer "${r.name}" has external-data location "${loc}"; ONNX locations must be relative paths inside the model's folder.`);
    }
    const path = join(dir!, loc);
    if (relative(dir!, path).startsWith('..')) fail(`initializer "${r.name}" points outside the model's folder ("${loc}").`);
    let size = sizes.get(path);
    if (size === undefined) {
      try {
        size = statSync(path).size;
      } catch {
        fail(`initializer "${r.name}" is stored in "${loc}", which is missing beside the model (${path}); keep the .onnx file and its "${loc}" together.`);
      }
      sizes.set(path, size!);
    }
    const end = r.offset + (r.length ?? 0);
    if (!Number.isSafeInteger(r.offset) || r.offset < 0 || (r.length !== undefined && (!Number.isSafeInteger(r.length) || r.length < 0)) || end > size!) {
      fail(`initializer "${r.name}" reads bytes ${r.offset}–${end} of "${loc}", which has ${size} bytes; the side file is truncated or belongs to another model.`);
    }
  }
  return refs;
}
