import { readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { VitDatasetError, type DatasetDescription } from '@vit/datasets';
import { VitIoError } from '@vit/io';
import { listImages } from '../../listImages.js';
import type { DatasetConfig } from '../config.js';
import type { StudyItem } from '../types.js';
import { describeLimited, limited, type OpenedReader } from './types.js';

/** The `labels.json` of a folder dataset (the zoo's `bench/sample/labels.json`); other fields are kept as they are. */
export interface FolderLabels {
  /** Image files, relative to `images/` (or the root when there is no `images/` folder), in item order. */
  files: string[];
  /** Class index of each file. */
  labels?: number[];
  /** Class names. */
  classes?: string[];
  /** The k-NN split of the sample: `train`/`test` are `[start, end)` item ranges. */
  knnProtocol?: { train: [number, number]; test: [number, number]; k?: number; temperature?: number };
  [field: string]: unknown;
}

const LAYOUT = '<root>/labels.json { files, labels?, classes?, knnProtocol? } with the files in <root>/images/ (or <root>/), or any folder of .jpg/.png images';

function formatError(file: string, message: string): VitDatasetError {
  return new VitDatasetError(`${message}; expected ${LAYOUT}`, { code: 'VIT_DATASET_FORMAT', file });
}

/** Reads and checks `labels.json`. */
async function readLabels(file: string): Promise<FolderLabels> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new VitDatasetError(`is not valid JSON (${(e as Error).message.split('\n')[0]})`, { code: 'VIT_DATASET_JSON', file });
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw formatError(file, 'must hold an object');
  const o = json as FolderLabels;
  if (!Array.isArray(o.files) || !o.files.length || !o.files.every((f) => typeof f === 'string' && f.length > 0)) throw formatError(file, '"files" must be a non-empty list of file names');
  if (o.labels !== undefined) {
    if (!Array.isArray(o.labels) || o.labels.length !== o.files.length) throw formatError(file, `"labels" must be a list with one class index per file (${o.files.length})`);
    const bad = o.labels.findIndex((l) => !Number.isInteger(l) || l < 0 || (o.classes !== undefined && l >= o.classes.length));
    if (bad >= 0) throw formatError(file, `labels[${bad}] is ${JSON.stringify(o.labels[bad])}, not a class index${o.classes ? ` in [0, ${o.classes.length})` : ''}`);
  }
  if (o.classes !== undefined && (!Array.isArray(o.classes) || !o.classes.every((c) => typeof c === 'string'))) throw formatError(file, '"classes" must be a list of names');
  const p = o.knnProtocol;
  if (p !== undefined) {
    const range = (r: unknown) => Array.isArray(r) && r.length === 2 && r.every((x) => Number.isInteger(x) && x >= 0 && x <= o.files.length) && (r[0] as number) <= (r[1] as number);
    if (p === null || typeof p !== 'object' || !range(p.train) || !range(p.test)) throw formatError(file, `"knnProtocol" must hold "train" and "test" as [start, end) item ranges within [0, ${o.files.length}]`);
  }
  return o;
}

const isDir = async (p: string) => (await stat(p).catch(() => undefined))?.isDirectory() ?? false;

/**
 * A plain image folder (`reader: folder`). With a `labels.json` at the root, the items are its
 * `files` in its order (read from `images/` when that folder exists, else from the root), labelled
 * by `labels`, and `source` is the parsed `labels.json` (item index = index into `files`, so
 * `knnProtocol` ranges, masks `masks/<file>` etc. are addressed by `StudyItem.index`). Without one,
 * the items are every .jpg/.jpeg/.png under the root, recursively, sorted by path, unlabelled, and
 * `source` is `undefined`. `split`, when given, is a subfolder of the root.
 */
export async function openFolder(config: DatasetConfig): Promise<OpenedReader> {
  const root = config.split ? join(config.root, config.split) : config.root;
  if (!(await isDir(root))) {
    const there = (await stat(root).catch(() => undefined)) !== undefined;
    throw new VitIoError(there ? 'is not a folder; datasets[].root of a folder dataset must be one.' : `folder not found; check datasets[].root${config.split ? ' and split' : ''} in the config.`, {
      code: there ? 'VIT_IO_READ' : 'VIT_NOT_FOUND',
      file: root,
    });
  }
  const labelsFile = join(root, 'labels.json');
  const hasLabels = (await stat(labelsFile).catch(() => undefined))?.isFile() ?? false;
  let all: StudyItem[];
  let source: FolderLabels | undefined;
  if (hasLabels) {
    source = await readLabels(labelsFile);
    const imageDir = (await isDir(join(root, 'images'))) ? join(root, 'images') : root;
    const labels = source.labels;
    all = source.files.map((f, index) => ({ index, id: f, path: join(imageDir, f), ...(labels ? { label: labels[index] } : {}) }));
    const missing: string[] = [];
    await Promise.all(
      all.map(async (it) => {
        if (!(await stat(it.path).catch(() => undefined))?.isFile()) missing.push(it.path);
      }),
    );
    if (missing.length) {
      missing.sort();
      throw new VitDatasetError(`${missing.length} of the ${all.length} images listed in labels.json ${missing.length > 1 ? 'are' : 'is'} missing (first: ${missing[0]}); expected ${LAYOUT}`, {
        code: 'VIT_DATASET_LAYOUT',
        file: labelsFile,
      });
    }
  } else {
    const files = await listImages(root, 'dataset');
    all = files.map((path, index) => ({ index, id: relative(root, path).split(sep).join('/'), path }));
  }
  const items = limited(all, config.limit);
  const classes = source?.classes ?? (source?.labels ? Array.from({ length: Math.max(...source.labels) + 1 }, (_, i) => String(i)) : undefined);
  const description: DatasetDescription = {
    dataset: 'folder',
    root,
    split: config.split ?? '',
    samples: all.length,
    counts: { images: all.length, ...(classes ? { classes: classes.length } : {}) },
    skipped: [],
  };
  return {
    ...(config.split !== undefined ? { split: config.split } : {}),
    items,
    ...(classes ? { classes } : {}),
    source,
    describe: () => describeLimited(description, items.length),
  };
}
