// Per-layer feature rows spilled to `.npy` files in an analysis's scratch folder, so that a
// pass over any number of images keeps bounded memory (k-NN train sets, retrieval databases,
// DAVIS frames, SPair images). The state (`toJSON`) records how many items each file holds;
// `restore` truncates the files to that count after a kill, so what the checkpoint says is
// exactly what is on disk. Shards are merged by listing their segments in shard order.
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { VitIoError, VitValueError } from '@vit/io';

/** Bytes of the fixed `.npy` header (v1.0) of a spill file: magic, version, length, dict, padding. */
const HEADER = 128;
/** The file of the items' `[index, label]` pairs (int32 `[N,2]`). */
const ITEMS = 'items.npy';

/** One shard's (or one run's) spill: the files of a folder and the items they hold, in stream order. */
export interface SpillSegment {
  /** Folder of the `layer-<l>.npy` files. */
  dir: string;
  /** Items written (rows of each file). */
  count: number;
  /** `StudyItem.index` of every item, in file order. */
  index: Int32Array;
  /** Class label of every item (`-1` when none). */
  labels: Int32Array;
}

/** What {@link FeatureSpill.toJSON} writes: plain JSON (typed arrays as base64). */
export interface FeatureSpillJSON {
  kind: 'FeatureSpill';
  version: 1;
  layers: number[];
  /** Shape of one item's rows per layer file (e.g. `[D]` or `[gh,gw,D]`); null before the first append. */
  itemShape: number[] | null;
  /** Segments in stream (shard) order: the absolute folder of their files and the items they hold (item indices and labels are in its `items.npy`). */
  segments: { dir: string; count: number }[];
  /** The segment this state appends to (its scratch folder; rebased there when the folder moved), or -1. */
  own: number;
}

/** Write `bytes` at `offset` of `file` and rewrite its header. */
async function writeAt(file: string, create: boolean, bytes: Uint8Array, offset: number, header: Buffer): Promise<void> {
  let fh;
  try {
    fh = await open(file, create ? 'w' : 'r+');
    await fh.write(bytes, 0, bytes.byteLength, offset);
    await fh.write(header, 0, HEADER, 0);
  } catch (cause) {
    throw new VitIoError(`cannot append to the scratch file (${(cause as Error).message}); check the disk space of the output folder.`, { code: 'VIT_IO_WRITE', file, cause });
  } finally {
    await fh?.close();
  }
}

/** Bytes `[offset, offset + out.byteLength)` of `file` into `out`. */
async function readAt(file: string, out: Uint8Array, offset: number): Promise<void> {
  let fh;
  try {
    fh = await open(file, 'r');
    const { bytesRead } = await fh.read(out, 0, out.byteLength, offset);
    if (bytesRead !== out.byteLength) throw new Error(`read ${bytesRead} of ${out.byteLength} bytes`);
  } catch (cause) {
    throw new VitIoError(`cannot read spilled features (${(cause as Error).message}); delete the pass's cache folder and run again.`, { code: 'VIT_IO_READ', file, cause });
  } finally {
    await fh?.close();
  }
}

/** Truncate `file` to `bytes` (rewriting its header) when longer; throw when shorter. */
async function truncateTo(file: string, bytes: number, header: Buffer, count: number, rowBytes: number): Promise<void> {
  const size = await stat(file).then((x) => x.size, () => -1);
  if (size < bytes) {
    throw new VitIoError(`holds ${Math.max(0, Math.floor((size - HEADER) / rowBytes))} of the ${count} items the checkpoint recorded; delete the pass's cache folder and run again.`, {
      code: 'VIT_IO_TRUNCATED',
      file,
    });
  }
  if (size > bytes) {
    const fh = await open(file, 'r+');
    try {
      await fh.truncate(bytes);
      await fh.write(header, 0, HEADER, 0);
    } finally {
      await fh.close();
    }
  }
}

/** The 128-byte `.npy` header of a C-order array of `shape` (`<f4` float32 or `<i4` int32). */
function npyHeader(shape: readonly number[], descr: '<f4' | '<i4' = '<f4'): Buffer {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const len = HEADER - 10;
  if (dict.length + 1 > len) throw new VitValueError(`FeatureSpill: shape (${shape.join(', ')}) does not fit a ${HEADER}-byte .npy header.`);
  const buf = Buffer.alloc(HEADER, 0x20);
  buf.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0); // \x93NUMPY v1.0
  buf.writeUInt16LE(len, 8);
  buf.write(dict, 10, 'latin1');
  buf[HEADER - 1] = 0x0a;
  return buf;
}

/**
 * Per-layer float32 rows of a stream of items, appended to `<dir>/layer-<l>.npy` (valid `.npy`
 * files at every checkpoint: the header's shape is rewritten after each append). Items keep
 * their `StudyItem.index` and label so that analyses can tell train from test, queries from
 * database, or find a frame, when they read the rows back in `finishModel`.
 */
export class FeatureSpill {
  readonly layers: number[];
  itemShape: number[] | null = null;
  segments: SpillSegment[];
  /** Index of the segment this state appends to (its own scratch folder); -1 after a merge-only restore. */
  private own: number;
  /** Growing storage behind the own segment's `index` / `labels`. */
  private buf = { index: new Int32Array(0), labels: new Int32Array(0) };

  private constructor(layers: number[], segments: SpillSegment[], own: number) {
    this.layers = layers;
    this.segments = segments;
    this.own = own;
  }

  /** A fresh spill in `dir` (stale files of an earlier run are removed). */
  static async create(dir: string, layers: readonly number[]): Promise<FeatureSpill> {
    await mkdir(dir, { recursive: true });
    for (const f of [...layers.map((l) => `layer-${l}.npy`), ITEMS]) await rm(join(dir, f), { force: true });
    return new FeatureSpill([...layers], [{ dir, count: 0, index: new Int32Array(0), labels: new Int32Array(0) }], 0);
  }

  /** Floats per item in every layer file. */
  get width(): number {
    return this.itemShape ? this.itemShape.reduce((a, b) => a * b, 1) : 0;
  }

  /** Items over every segment. */
  get count(): number {
    return this.segments.reduce((s, g) => s + g.count, 0);
  }

  /**
   * Append `n` items: `rows[p]` holds the `n × width` floats of `layers[p]`.
   * @throws VitValueError when the item shape differs from the first append's; VitIoError when a file cannot be written.
   */
  async append(rows: readonly Float32Array[], itemShape: readonly number[], index: ArrayLike<number>, labels: ArrayLike<number>): Promise<void> {
    const seg = this.segments[this.own];
    if (!seg) throw new VitValueError('FeatureSpill.append: this state was restored for merging only and cannot take more items.');
    if (this.itemShape === null) this.itemShape = [...itemShape];
    else if (this.itemShape.join() !== itemShape.join()) {
      throw new VitValueError(`FeatureSpill.append: items of shape [${itemShape.join(',')}] after items of shape [${this.itemShape.join(',')}].`, { code: 'VIT_SHAPE_CHANGE' });
    }
    const n = index.length;
    const w = this.width;
    rows.forEach((data, p) => {
      if (data.length !== n * w) throw new VitValueError(`FeatureSpill.append: layer ${this.layers[p]} got ${data.length} floats for ${n} items of ${w}.`, { code: 'VIT_SHAPE' });
    });
    for (let p = 0; p < this.layers.length; p++) {
      const data = rows[p];
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      await writeAt(join(seg.dir, `layer-${this.layers[p]}.npy`), seg.count === 0, bytes, HEADER + seg.count * w * 4, npyHeader([seg.count + n, ...this.itemShape]));
    }
    const items = new Int32Array(2 * n);
    for (let i = 0; i < n; i++) {
      items[2 * i] = index[i];
      items[2 * i + 1] = labels[i];
    }
    await writeAt(join(seg.dir, ITEMS), seg.count === 0, new Uint8Array(items.buffer), HEADER + seg.count * 8, npyHeader([seg.count + n, 2], '<i4'));
    // grow by doubling (the segment shows views of the first `count` entries)
    if (this.buf.index.length < seg.count + n) {
      const cap = Math.max(seg.count + n, 2 * this.buf.index.length, 256);
      const idx = new Int32Array(cap);
      idx.set(seg.index);
      const lab = new Int32Array(cap);
      lab.set(seg.labels);
      this.buf = { index: idx, labels: lab };
    }
    for (let i = 0; i < n; i++) {
      this.buf.index[seg.count + i] = index[i];
      this.buf.labels[seg.count + i] = labels[i];
    }
    seg.count += n;
    seg.index = this.buf.index.subarray(0, seg.count);
    seg.labels = this.buf.labels.subarray(0, seg.count);
  }

  /** Add a later shard's items after this one's (shard order). */
  merge(other: FeatureSpill): void {
    if (other === this) throw new VitValueError('FeatureSpill.merge: a spill cannot absorb itself.');
    if (other.layers.join() !== this.layers.join()) throw new VitValueError(`FeatureSpill.merge: layers ${other.layers.join(',')} differ from ${this.layers.join(',')}.`);
    if (this.itemShape && other.itemShape && this.itemShape.join() !== other.itemShape.join()) {
      throw new VitValueError(`FeatureSpill.merge: item shape [${other.itemShape.join(',')}] differs from [${this.itemShape.join(',')}].`, { code: 'VIT_SHAPE_CHANGE' });
    }
    this.itemShape ??= other.itemShape && [...other.itemShape];
    this.segments.push(...other.segments.map((s) => ({ ...s })));
  }

  /** Plain JSON: layers, item shape, and per segment its folder and item count. */
  toJSON(): FeatureSpillJSON {
    return {
      kind: 'FeatureSpill',
      version: 1,
      layers: [...this.layers],
      itemShape: this.itemShape && [...this.itemShape],
      segments: this.segments.map((s) => ({ dir: s.dir, count: s.count })),
      own: this.own,
    };
  }

  /**
   * The spill {@link toJSON} wrote. The own segment keeps its recorded folder, or moves to `dir`
   * (the restoring context's scratch folder) when that folder no longer exists (an output folder
   * copied elsewhere). Its files are truncated to the recorded item count (rows appended after the
   * checkpoint, before a kill, are dropped).
   * @throws VitIoError (`VIT_IO_TRUNCATED`) when a file holds fewer items than recorded.
   */
  static async restore(json: unknown, dir: string): Promise<FeatureSpill> {
    const j = json as FeatureSpillJSON;
    if (!j || j.kind !== 'FeatureSpill' || j.version !== 1 || !Array.isArray(j.segments)) {
      throw new VitValueError('FeatureSpill.restore: not a FeatureSpill state of version 1; delete the pass cache folder and run again.');
    }
    const own = Number.isInteger(j.own) ? j.own : -1;
    const segments: SpillSegment[] = j.segments.map((s, i) => ({ dir: i === own && !existsSync(s.dir) ? dir : s.dir, count: s.count, index: new Int32Array(0), labels: new Int32Array(0) }));
    const spill = new FeatureSpill([...j.layers], segments, own);
    spill.itemShape = j.itemShape && [...j.itemShape];
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i];
      if (i === own) {
        await mkdir(seg.dir, { recursive: true });
        if (seg.count === 0) {
          for (const f of [...spill.layers.map((l) => `layer-${l}.npy`), ITEMS]) await rm(join(seg.dir, f), { force: true });
          continue;
        }
        for (const l of spill.layers) {
          await truncateTo(join(seg.dir, `layer-${l}.npy`), HEADER + seg.count * spill.width * 4, npyHeader([seg.count, ...spill.itemShape!]), seg.count, spill.width * 4);
        }
        await truncateTo(join(seg.dir, ITEMS), HEADER + seg.count * 8, npyHeader([seg.count, 2], '<i4'), seg.count, 8);
      }
      if (seg.count === 0) continue;
      const items = new Int32Array(2 * seg.count);
      await readAt(join(seg.dir, ITEMS), new Uint8Array(items.buffer), HEADER);
      seg.index = Int32Array.from({ length: seg.count }, (_, r) => items[2 * r]);
      seg.labels = Int32Array.from({ length: seg.count }, (_, r) => items[2 * r + 1]);
    }
    return spill;
  }

  /**
   * Read items `[start, start + n)` of segment `s` for the layer at position `p` of `layers`.
   * @returns `n × width` floats.
   */
  async read(p: number, s: number, start: number, n: number): Promise<Float32Array> {
    const seg = this.segments[s];
    const w = this.width;
    const out = new Float32Array(n * w);
    if (n === 0) return out;
    await readAt(join(seg.dir, `layer-${this.layers[p]}.npy`), new Uint8Array(out.buffer), HEADER + start * w * 4);
    return out;
  }

  /**
   * Every item in stream order (segments in shard order) in chunks of at most `chunk` items.
   * @yields `{ s, start, n }`: segment, first item within it, item count.
   */
  *chunks(chunk: number): Generator<{ s: number; start: number; n: number }> {
    for (let s = 0; s < this.segments.length; s++) {
      for (let start = 0; start < this.segments[s].count; start += chunk) yield { s, start, n: Math.min(chunk, this.segments[s].count - start) };
    }
  }

  /** Where each item index lives: `index → { s, row }` (the first occurrence). */
  locate(): Map<number, { s: number; row: number }> {
    const at = new Map<number, { s: number; row: number }>();
    this.segments.forEach((seg, s) => seg.index.forEach((idx, row) => (at.has(idx) ? undefined : at.set(idx, { s, row }))));
    return at;
  }
}
