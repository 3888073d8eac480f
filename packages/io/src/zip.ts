/**
 * A small strict zip reader for .npz: central directory (zip64 included), stored and deflated
 * members, sizes checked against the file before anything is allocated, CRC-32 verified.
 * Decompression is fflate's. And the writer of stored (uncompressed) archives as a list of
 * parts, so large members are never copied into one buffer. Internal.
 */
import { crc32 as zlibCrc32 } from 'node:zlib';
import { inflateSync } from 'fflate';
import { ioError } from './ioUtil.js';

/** CRC-32 (zip's) of bytes, continuing from `value`; zlib's native one (Node ≥ 20.15). */
export function crc32(b: Uint8Array, value = 0): number {
  return zlibCrc32(b, value) >>> 0;
}

/** Deflate cannot expand data by more than ~1032:1; larger claims are corrupt (or zip bombs). */
const MAX_DEFLATE_RATIO = 1032;

export interface ZipMember {
  name: string;
  data: Uint8Array;
}

export function readZip(b: Uint8Array, fn: string, file: string | undefined, kind = '.npz'): ZipMember[] {
  const err = (code: 'VIT_IO_MAGIC' | 'VIT_IO_TRUNCATED' | 'VIT_IO_ZIP', msg: string) => ioError(fn, file, code, msg);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u16 = (o: number) => dv.getUint16(o, true);
  const u32 = (o: number) => dv.getUint32(o, true);
  const u64 = (o: number, what: string) => {
    const v = dv.getBigUint64(o, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw err('VIT_IO_ZIP', `zip ${what} ${v} is out of range.`);
    return Number(v);
  };
  if (b.length < 4 || u32(0) !== 0x04034b50) {
    if (b.length >= 4 && u32(0) === 0x06054b50) return []; // the empty archive numpy.savez writes for no arrays
    throw err('VIT_IO_MAGIC', `not a zip (${kind}) file: expected magic 50 4b 03 04 ("PK\\3\\4"), got ${Array.from(b.subarray(0, 4), (x) => x.toString(16).padStart(2, '0')).join(' ') || 'an empty file'}.`);
  }
  // End of central directory: the last 22 bytes, or earlier if there is an archive comment.
  let eocd = -1;
  for (let o = b.length - 22; o >= Math.max(0, b.length - 22 - 65535); o--) {
    if (u32(o) === 0x06054b50 && o + 22 + u16(o + 20) === b.length) {
      eocd = o;
      break;
    }
  }
  if (eocd < 0) throw err('VIT_IO_TRUNCATED', `zip (${kind}) file is truncated or corrupt: no end-of-central-directory record.`);
  let entries = u16(eocd + 10);
  let cdSize = u32(eocd + 12);
  let cdOffset = u32(eocd + 16);
  let cdLimit = eocd;
  if (entries === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || u32(loc) !== 0x07064b50) throw err('VIT_IO_ZIP', `zip64 end-of-central-directory locator missing.`);
    const rec = u64(loc + 8, 'zip64 record offset');
    if (rec + 56 > loc || u32(rec) !== 0x06064b50) throw err('VIT_IO_ZIP', `zip64 end-of-central-directory record missing or out of range.`);
    entries = u64(rec + 32, 'entry count');
    cdSize = u64(rec + 40, 'central directory size');
    cdOffset = u64(rec + 48, 'central directory offset');
    cdLimit = rec;
  }
  if (cdOffset + cdSize > cdLimit) throw err('VIT_IO_ZIP', `zip central directory [${cdOffset}, ${cdOffset + cdSize}) lies outside the file.`);
  if (entries * 46 > cdSize) throw err('VIT_IO_ZIP', `zip claims ${entries} members but its central directory has only ${cdSize} bytes.`);
  const out: ZipMember[] = [];
  let p = cdOffset;
  const cdEnd = cdOffset + cdSize;
  for (let e = 0; e < entries; e++) {
    if (p + 46 > cdEnd || u32(p) !== 0x02014b50) throw err('VIT_IO_ZIP', `zip central directory entry ${e} is corrupt.`);
    const flags = u16(p + 8);
    const method = u16(p + 10);
    const crc = u32(p + 16);
    let csize = u32(p + 20);
    let usize = u32(p + 24);
    const nameLen = u16(p + 28);
    const extraLen = u16(p + 30);
    const commentLen = u16(p + 32);
    let local = u32(p + 42);
    const next = p + 46 + nameLen + extraLen + commentLen;
    if (next > cdEnd) throw err('VIT_IO_ZIP', `zip central directory entry ${e} runs past the directory.`);
    const nameBytes = b.subarray(p + 46, p + 46 + nameLen);
    const name = new TextDecoder(flags & 0x800 ? 'utf-8' : 'latin1').decode(nameBytes);
    // zip64 extra field: 64-bit values for the 32-bit fields that are 0xffffffff, in this order.
    if (usize === 0xffffffff || csize === 0xffffffff || local === 0xffffffff) {
      let q = p + 46 + nameLen;
      const qEnd = q + extraLen;
      let found = false;
      while (q + 4 <= qEnd) {
        const id = u16(q);
        const len = u16(q + 2);
        if (q + 4 + len > qEnd) break;
        if (id === 0x0001) {
          let r = q + 4;
          const take = (what: string) => {
            if (r + 8 > q + 4 + len) throw err('VIT_IO_ZIP', `zip64 field of '${name}' is too short.`);
            const v = u64(r, what);
            r += 8;
            return v;
          };
          if (usize === 0xffffffff) usize = take('uncompressed size');
          if (csize === 0xffffffff) csize = take('compressed size');
          if (local === 0xffffffff) local = take('local header offset');
          found = true;
          break;
        }
        q += 4 + len;
      }
      if (!found) throw err('VIT_IO_ZIP', `zip member '${name}' needs a zip64 field and has none.`);
    }
    if (flags & 1) throw err('VIT_IO_ZIP', `zip member '${name}' is encrypted.`);
    if (local + 30 > cdOffset || u32(local) !== 0x04034b50) throw err('VIT_IO_ZIP', `zip member '${name}' has no local header at offset ${local}.`);
    const start = local + 30 + u16(local + 26) + u16(local + 28);
    if (start + csize > cdOffset) {
      throw err('VIT_IO_TRUNCATED', `zip member '${name}' needs bytes [${start}, ${start + csize}) but its data ends at ${cdOffset}.`);
    }
    const raw = b.subarray(start, start + csize);
    let data: Uint8Array;
    if (method === 0) {
      if (csize !== usize) throw err('VIT_IO_ZIP', `stored zip member '${name}' has compressed size ${csize} ≠ size ${usize}.`);
      data = raw;
    } else if (method === 8) {
      if (usize > csize * MAX_DEFLATE_RATIO + 1024) {
        throw err('VIT_IO_ZIP', `zip member '${name}' claims ${usize} bytes from ${csize} compressed bytes, more than deflate can produce.`);
      }
      try {
        data = inflateSync(raw, { out: new Uint8Array(usize) });
      } catch (cause) {
        throw ioError(fn, file, 'VIT_IO_ZIP', `zip member '${name}' does not inflate (${(cause as Error).message}).`, cause);
      }
      if (data.length !== usize) throw err('VIT_IO_ZIP', `zip member '${name}' inflates to ${data.length} bytes, expected ${usize}.`);
    } else {
      throw err('VIT_IO_ZIP', `zip member '${name}' uses compression method ${method} (only stored and deflated are supported).`);
    }
    if (crc32(data) !== crc) throw err('VIT_IO_ZIP', `zip member '${name}' fails its CRC-32 check (corrupt data).`);
    out.push({ name, data });
    p = next;
  }
  return out;
}

/** One member of {@link storedZipParts}: its name and its bytes, in parts. */
export interface StoredMember {
  name: string;
  parts: readonly Uint8Array[];
}

/** DOS time and date of 1980-01-01 00:00 (fixed, so equal input gives equal bytes). */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const U32 = 0xffffffff;

/**
 * A zip archive of stored members as the parts of the file, in order: headers are new small
 * buffers, member bytes are the given parts themselves (not copied). Zip64 records are added
 * only where a size or an offset does not fit 32 bits, as Python's zipfile does (`zip64At`
 * lowers that limit, for tests).
 */
export function storedZipParts(members: readonly StoredMember[], zip64At = U32): Uint8Array[] {
  const out: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const m of members) {
    const name = new TextEncoder().encode(m.name);
    let size = 0;
    let crc = 0;
    for (const p of m.parts) {
      size += p.length;
      crc = crc32(p, crc);
    }
    const big = size >= zip64At;
    const local = new Uint8Array(30 + name.length + (big ? 20 : 0));
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    headerFields(lv, 4, big ? 45 : 20, crc, big ? U32 : size, name.length, big ? 20 : 0);
    local.set(name, 30);
    if (big) zip64Sizes(lv, 30 + name.length, [size, size]);
    const far = offset >= zip64At;
    const extra = (big ? 16 : 0) + (far ? 8 : 0);
    const cd = new Uint8Array(46 + name.length + (extra ? 4 + extra : 0));
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, (3 << 8) | 45, true); // made by: Unix, 4.5
    headerFields(cv, 6, big || far ? 45 : 20, crc, big ? U32 : size, name.length, extra ? 4 + extra : 0);
    cv.setUint32(38, (0o100644 << 16) >>> 0, true); // a regular file, rw-r--r--
    cv.setUint32(42, far ? U32 : offset, true);
    cd.set(name, 46);
    if (extra) zip64Sizes(cv, 46 + name.length, [...(big ? [size, size] : []), ...(far ? [offset] : [])]);
    out.push(local, ...m.parts);
    central.push(cd);
    offset += local.length + size;
  }
  const cdSize = central.reduce((a, c) => a + c.length, 0);
  const tail: Uint8Array[] = [...central];
  const n = members.length;
  if (n >= 0xffff || offset >= zip64At || cdSize >= zip64At) {
    const z = new Uint8Array(56 + 20);
    const zv = new DataView(z.buffer);
    zv.setUint32(0, 0x06064b50, true); // zip64 end of central directory
    zv.setBigUint64(4, 44n, true);
    zv.setUint16(12, (3 << 8) | 45, true);
    zv.setUint16(14, 45, true);
    zv.setBigUint64(24, BigInt(n), true);
    zv.setBigUint64(32, BigInt(n), true);
    zv.setBigUint64(40, BigInt(cdSize), true);
    zv.setBigUint64(48, BigInt(offset), true);
    zv.setUint32(56, 0x07064b50, true); // its locator
    zv.setBigUint64(64, BigInt(offset + cdSize), true);
    zv.setUint32(72, 1, true);
    tail.push(z);
  }
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, Math.min(n, 0xffff), true);
  ev.setUint16(10, Math.min(n, 0xffff), true);
  ev.setUint32(12, Math.min(cdSize, U32), true);
  ev.setUint32(16, Math.min(offset, U32), true);
  tail.push(end);
  return [...out, ...tail];
}

/**
 * The fields a local header (at 4) and a central-directory entry (at 6) share: version needed,
 * flags (UTF-8 names), method (stored), the fixed time and date, CRC-32, both sizes (equal when
 * stored), name and extra-field lengths.
 */
function headerFields(v: DataView, at: number, version: number, crc: number, size: number, nameLength: number, extraLength: number): void {
  v.setUint16(at, version, true); // 4.5 for zip64
  v.setUint16(at + 2, 0x0800, true);
  v.setUint16(at + 4, 0, true);
  v.setUint16(at + 6, DOS_TIME, true);
  v.setUint16(at + 8, DOS_DATE, true);
  v.setUint32(at + 10, crc, true);
  v.setUint32(at + 14, size, true);
  v.setUint32(at + 18, size, true);
  v.setUint16(at + 22, nameLength, true);
  v.setUint16(at + 24, extraLength, true);
}

/** Writes the zip64 extended-information extra field (id 1) with `values` at `at`. */
function zip64Sizes(v: DataView, at: number, values: readonly number[]): void {
  v.setUint16(at, 1, true);
  v.setUint16(at + 2, 8 * values.length, true);
  values.forEach((x, i) => v.setBigUint64(at + 4 + 8 * i, BigInt(x), true));
}
