import { readFile, readdir, stat } from 'node:fs/promises';
import { VitDatasetError } from '../errors.js';

/** Throws a layout error naming `dir` and the expected layout unless it is a folder. */
export async function requireDir(dir: string, what: string, layout: string): Promise<void> {
  let ok = false;
  try {
    ok = (await stat(dir)).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new VitDatasetError(`${what} folder not found; expected layout: ${layout}`, { code: 'VIT_DATASET_LAYOUT', file: dir });
  }
}

/** Whether `path` exists as a regular file. */
export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Reads and parses a JSON file, with one-line errors naming the file. */
export async function readJson(file: string, what: string, layout?: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    const hint = layout ? `; expected layout: ${layout}` : '';
    throw new VitDatasetError(`${what} not found or unreadable${hint}`, { code: 'VIT_DATASET_LAYOUT', file, cause });
  }
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new VitDatasetError(`${what} is not valid JSON (${(cause as Error).message})`, { code: 'VIT_DATASET_JSON', file, cause });
  }
}

/** Sorted names of the entries of `dir` (files or folders as asked), byte order like Python's `sorted`. */
export async function listSorted(dir: string, kind: 'file' | 'dir', filter: (name: string) => boolean = () => true): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => (kind === 'dir' ? e.isDirectory() : e.isFile()) && filter(e.name))
    .map((e) => e.name);
  return names.sort(compareNames);
}

/** Code-unit order (what `sorted()` in Python and `ls` with LC_ALL=C give), independent of locale. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A one-line structural error in an annotation file. */
export function formatError(file: string, message: string): VitDatasetError {
  return new VitDatasetError(message, { code: 'VIT_DATASET_FORMAT', file });
}
