/**
 * A small strict zip reader for .npz: central directory (zip64 included), stored and deflated
 * members, sizes checked against the file before anything is allocated, CRC-32 verified.
 * Decompression is fflate's. Internal.
 */
import { inflateSync } from 'fflate';
import { ioError } from './ioUtil.js';

let crcTable: Int32Array | undefined;
export function crc32(b: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  let c = -1;
  for (let i = 0; i < b.length; i++) c = crcTable[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
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
