import { readFile, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { readNpy, VitIoError } from '@vit/io';
import type { ReportInput } from './types.js';

/**
 * Reads a study's output folder written by {@link writeResults} (or by `vit study`):
 * `results.json`, with every `{ "$npy": "relative/path.npy" }` replaced by the tensor in that
 * file. No model is run.
 * @param dir The folder holding `results.json` (or the path of `results.json` itself).
 * @returns The {@link ReportInput}.
 * @throws VitIoError (`VIT_NOT_FOUND`) when `results.json` or an array is missing; (`VIT_IO_FORMAT`) when the JSON is not a study's results.
 * @example const input = await readResults('study-output'); await renderReport(input, 'study-output/report')
 */
export async function readResults(dir: string): Promise<ReportInput> {
  const isFile = await stat(dir).then((s) => s.isFile(), () => false);
  const root = isFile ? resolve(dir, '..') : resolve(dir);
  const file = isFile ? resolve(dir) : join(root, 'results.json');
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new VitIoError(e.code === 'ENOENT' ? 'not found; pass the folder a study wrote (it holds results.json)' : `cannot read (${e.code ?? e.message})`, { file, code: e.code === 'ENOENT' ? 'VIT_NOT_FOUND' : 'VIT_IO_READ', cause: e });
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new VitIoError(`is not valid JSON (${(e as Error).message}); re-run the study to rewrite it`, { file, code: 'VIT_IO_FORMAT', cause: e });
  }
  const j = json as { schemaVersion?: unknown; models?: unknown };
  if (!j || j.schemaVersion !== 1 || !Array.isArray(j.models)) {
    throw new VitIoError(`is not a study's results (expected schemaVersion 1 and a models list; got schemaVersion ${JSON.stringify(j?.schemaVersion)})`, { file, code: 'VIT_IO_FORMAT' });
  }
  const decode = async (v: unknown): Promise<unknown> => {
    if (Array.isArray(v)) return Promise.all(v.map(decode));
    if (v && typeof v === 'object') {
      const ref = (v as { $npy?: unknown }).$npy;
      if (typeof ref === 'string') {
        const p = resolve(root, ref);
        if (!p.startsWith(root + sep)) throw new VitIoError(`refers to ${ref}, outside its folder; fix the reference`, { file, code: 'VIT_IO_FORMAT' });
        return (await readNpy(p)).tensor;
      }
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = await decode(x);
      return out;
    }
    return v;
  };
  return (await decode(json)) as ReportInput;
}
