import { decodeElements, diskItemSize } from './codec.js';
import { asBytes, fileOf, hexHead, ioError } from './ioUtil.js';
import { unpickle, type PickleValue, type StorageRef, type TorchTensor } from './pickle.js';
import { ST_TO_DISK, type SafetensorsDType } from './safetensorsDType.js';
import { tensor, type TypedArray } from './tensor.js';
import { readZip } from './zip.js';

/** Options of {@link parseTorchCheckpoint}. */
export interface ParseTorchCheckpointOptions {
  /** File name used in error messages. @default undefined (messages name `parseTorchCheckpoint`) */
  file?: string;
}

/** A PyTorch checkpoint read without PyTorch. */
export interface TorchCheckpoint {
  /**
   * The saved object as plain data: dicts (and `OrderedDict`s, and `argparse.Namespace`s) as
   * objects, lists, tuples (frozen arrays), numbers, strings, and every tensor as a
   * {@link TorchTensor} `{ tensor, dtype }` — C-order, views copied out of their storage.
   */
  value: PickleValue;
  /** `torch.save` zip (≥ 1.6), or a TorchScript archive (`torch.jit.save`), whose modules come back as attribute records. */
  format: 'torch' | 'torchscript';
  /** The byte order the archive's `byteorder` record states (`little` when absent, as PyTorch reads it). */
  byteOrder: 'little' | 'big';
  /** The archive's top folder (`archive` for current PyTorch, the file stem for older ones). */
  archive: string;
}

const ALLOWED =
  'only tensors and plain data (dict, OrderedDict, list, tuple, str, bytes, numbers, argparse.Namespace, torch.Size, numpy arrays) are allowed; ' +
  'load the file in Python and torch.save(model.state_dict(), path) to keep only the weights';

/**
 * Parse the bytes of a PyTorch checkpoint as `torch.save` writes it since PyTorch 1.6 (a zip of
 * `<archive>/data.pkl`, `<archive>/data/<key>` storages and an optional `byteorder` record), or a
 * TorchScript archive (`torch.jit.save`), without PyTorch and without executing anything.
 *
 * `data.pkl` goes through a restricted unpickler that rebuilds only tensors
 * (`torch._utils._rebuild_tensor_v2`, `_rebuild_parameter`, `torch.*Storage` by persistent id) and
 * plain containers (`collections.OrderedDict`, dict, list, tuple, numbers, strings, `torch.Size`,
 * `argparse.Namespace` as a dict; numpy arrays and scalars as data; TorchScript `__torch__.*` module
 * objects as attribute records); every other global is refused by name. Storages of float32,
 * float16, bfloat16, float64 and the integer and bool types are read in either byte order; views
 * (storage offset, strides) are checked against their storage and copied out as C-order tensors.
 *
 * @param bytes The whole file.
 * @param options Options, or just the file name for error messages.
 * @returns The saved object with its tensors, the format and byte order.
 * @throws VitIoError `VIT_IO_TORCH` for the legacy (pre-1.6) format — with the command that re-saves
 *   it — a missing `data.pkl` or storage, a storage shorter than the pickle says, a view past the end
 *   of its storage; `VIT_IO_PICKLE_FORBIDDEN` naming a refused global or opcode; `VIT_IO_PICKLE`;
 *   any zip error (`VIT_IO_MAGIC`, `VIT_IO_ZIP`, `VIT_IO_TRUNCATED`).
 * @example
 * const { value } = parseTorchCheckpoint(await readFile('dino_deitsmall16_pretrain_full_checkpoint.pth'));
 * const teacher = (value as PickleDict).teacher; // { 'backbone.cls_token': { tensor, dtype: 'F32' }, … }
 */
export function parseTorchCheckpoint(bytes: Uint8Array | ArrayBuffer, options: string | ParseTorchCheckpointOptions = {}): TorchCheckpoint {
  const fn = 'parseTorchCheckpoint';
  const b = asBytes(bytes, fn);
  const file = fileOf(options);
  const fail = (msg: string) => ioError(fn, file, 'VIT_IO_TORCH', msg);
  if (b.length >= 2 && b[0] === 0x80 && b[1] <= 5) {
    throw fail(
      `legacy (pre-1.6) torch.save format, a bare pickle that cannot be read without running it; re-save it with a current PyTorch: ` +
        `python -c "import torch; torch.save(torch.load('${file ?? 'in.pth'}', map_location='cpu', weights_only=True), 'resaved.pth', _use_new_zipfile_serialization=True)"`,
    );
  }
  if (b.length >= 4 && !(b[0] === 0x50 && b[1] === 0x4b)) {
    throw ioError(fn, file, 'VIT_IO_MAGIC', `not a PyTorch checkpoint: expected a zip (50 4b …) as torch.save writes since 1.6, got ${hexHead(b)}.`);
  }
  const members = new Map<string, Uint8Array>();
  for (const m of readZip(b, fn, file, 'PyTorch checkpoint')) members.set(m.name, m.data);
  const pkls = [...members.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkls.length !== 1) {
    throw fail(`a torch.save archive has one <archive>/data.pkl; this zip has ${pkls.length ? pkls.join(', ') : 'none'} (is it a PyTorch checkpoint?).`);
  }
  const archive = pkls[0].slice(0, -'/data.pkl'.length);
  const order = members.get(`${archive}/byteorder`);
  let byteOrder: 'little' | 'big' = 'little';
  if (order) {
    const text = new TextDecoder('latin1').decode(order).trim();
    if (text !== 'little' && text !== 'big') throw fail(`${archive}/byteorder says '${text.slice(0, 20)}'; expected 'little' or 'big'.`);
    byteOrder = text;
  }
  const le = byteOrder === 'little';
  const torchscript = members.has(`${archive}/constants.pkl`) || [...members.keys()].some((n) => n.startsWith(`${archive}/code/`));
  const storages = new Map<string, StorageRef & { data: Uint8Array }>();
  const value = unpickle(members.get(pkls[0])!, {
    fn,
    file,
    allowed: ALLOWED,
    torch: {
      torchscript,
      storage(dtype: SafetensorsDType, key: string, numel: number): StorageRef {
        const known = storages.get(key);
        if (known) {
          if (known.dtype !== dtype) throw fail(`storage '${key}' is read as both ${known.dtype} and ${dtype}.`);
          return known;
        }
        const data = members.get(`${archive}/data/${key}`);
        if (!data) throw fail(`storage '${key}' named by data.pkl is missing from the archive (${archive}/data/${key}).`);
        const need = numel * diskItemSize(ST_TO_DISK[dtype]);
        if (need > data.length) throw fail(`storage '${key}' of ${numel} × ${dtype} needs ${need} bytes but the archive holds ${data.length}: it points past the end of its data.`);
        const s = { key, dtype, numel, data };
        storages.set(key, s);
        return s;
      },
      tensor(ref: StorageRef, offset: number, size: number[], stride: number[]): TorchTensor {
        const s = storages.get(ref.key)!;
        let count = 1;
        for (const d of size) count *= d;
        if (!Number.isSafeInteger(count)) throw fail(`a tensor over storage '${s.key}' has size [${size.join(',')}], too many elements.`);
        const disk = ST_TO_DISK[s.dtype];
        if (count === 0) return { tensor: tensor(decodeElements(s.data, 0, 0, disk, le), size), dtype: s.dtype };
        let last = offset;
        for (let i = 0; i < size.length; i++) last += (size[i] - 1) * stride[i];
        if (!(last < s.numel)) {
          throw fail(`a tensor of size [${size.join(',')}], stride [${stride.join(',')}] at offset ${offset} reaches element ${last} of storage '${s.key}', which holds ${s.numel}: it points past the end.`);
        }
        const item = diskItemSize(disk);
        let contiguousC = true;
        for (let i = size.length - 1, want = 1; i >= 0; i--) {
          if (size[i] !== 1 && stride[i] !== want) contiguousC = false;
          want *= size[i];
        }
        if (contiguousC) return { tensor: tensor(decodeElements(s.data, offset * item, count, disk, le), size), dtype: s.dtype };
        // a view: decode the span it touches, then gather in C order
        const span = decodeElements(s.data, offset * item, last - offset + 1, disk, le);
        const out = new (span.constructor as new (n: number) => TypedArray)(count) as unknown as (number | bigint)[];
        const src = span as unknown as (number | bigint)[];
        const rank = size.length;
        const idx = new Array<number>(rank).fill(0);
        let at = 0;
        for (let k = 0; k < count; k++) {
          out[k] = src[at];
          for (let d = rank - 1; d >= 0; d--) {
            idx[d]++;
            at += stride[d];
            if (idx[d] < size[d]) break;
            at -= stride[d] * size[d];
            idx[d] = 0;
          }
        }
        return { tensor: tensor(out as unknown as TypedArray, size), dtype: s.dtype };
      },
    },
  });
  return { value, format: torchscript ? 'torchscript' : 'torch', byteOrder, archive };
}
