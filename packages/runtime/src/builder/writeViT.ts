import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { atomicWrite, VitIoError, VitValueError } from '@vit/io';
import { encodeModel, type TensorProto } from '../onnx/proto.js';
import type { BuildViTOptions } from './buildViT.js';
import { buildViTModel, PROTOBUF_LIMIT, vitWeightBytes } from './buildViTModel.js';
import { resolveConfig } from './resolveViTConfig.js';
import type { ViTConfig, ViTWeights } from './types.js';

/** Options of {@link writeViT}: those of `buildViT`, and when to store the weights as external data. */
export interface WriteViTOptions extends BuildViTOptions {
  /**
   * Store the weights in `<path>.data` beside the model (ONNX external data: relative `location`,
   * `offset`, `length`; tensors under 1 KB stay inline). `'auto'` does so above `externalDataThreshold`.
   * @default 'auto'
   */
  externalData?: boolean | 'auto';
  /**
   * Weight bytes above which `'auto'` writes external data.
   * @default 2 GB minus 16 MB (what one ONNX protobuf can hold, less room for the graph)
   */
  externalDataThreshold?: number;
}

/** What {@link writeViT} wrote. */
export interface WrittenViT {
  /** The `.onnx` file. */
  model: string;
  /** The external-data file (`<model>.data`), when the weights were stored outside the model. */
  data?: string;
  /** Bytes written in all. */
  bytes: number;
}

const INLINE_BELOW = 1024;
const ALIGN = 64;

/**
 * Build a ViT as `buildViT` does and write it to `path`; models too large for one protobuf (ViT-H/14:
 * 2.5 GB of float32 weights) are written with their weights in `<path>.data` (ONNX external data),
 * which `inspectModel`, `ViTSession` and onnxruntime read beside the model. Each weight goes to the
 * side file as soon as it is laid out, so the weights are not held twice. Written atomically: temporary
 * files renamed into place; nothing is left behind on an error.
 *
 * @param path the `.onnx` file to write (its folder must exist).
 * @param config as for `buildViT`.
 * @param weights as for `buildViT` (omitted: seeded random weights).
 * @param options `buildViT`'s options plus `externalData` / `externalDataThreshold`.
 * @returns the files written and their total size.
 * @throws as `buildViT` (except `VIT_MODEL_TOO_LARGE`); VitIoError when a file cannot be written.
 * @example
 * import { vitPresets, writeViT } from '@vit/runtime';
 * const { config } = vitPresets.vit_huge_patch14_224;
 * await writeViT('vit_h14.onnx', { ...config, numClasses: 0 }); // vit_h14.onnx + vit_h14.onnx.data
 */
export async function writeViT(path: string, config: ViTConfig, weights?: ViTWeights, options: WriteViTOptions = {}): Promise<WrittenViT> {
  const fn = 'writeViT';
  if (typeof path !== 'string' || !path) throw new VitValueError(`\`path\` of ${fn} must be a file path. Got ${JSON.stringify(path)}.`);
  const mode = options.externalData ?? 'auto';
  if (mode !== true && mode !== false && mode !== 'auto') throw new VitValueError(`\`options.externalData\` of ${fn} must be true, false or 'auto'. Got ${JSON.stringify(mode)}.`);
  const threshold = options.externalDataThreshold ?? PROTOBUF_LIMIT;
  if (!(threshold >= 0)) throw new VitValueError(`\`options.externalDataThreshold\` of ${fn} must be a number of bytes ≥ 0. Got ${threshold}.`);
  const c = resolveConfig(config, fn);
  const external = mode === true || (mode === 'auto' && vitWeightBytes(c) > threshold);
  if (!external) {
    const m = buildViTModel(config, c, weights, options, fn);
    const bytes = encodeModel(m);
    if (bytes.byteLength > 2 ** 31 - 1) throw new VitValueError(`\`options.externalData\` of ${fn} is false, but the model needs ${bytes.byteLength} bytes, above protobuf's 2 GB; use 'auto'.`, { code: 'VIT_MODEL_TOO_LARGE' });
    await atomicWrite(path, bytes);
    return { model: path, bytes: bytes.byteLength };
  }
  const dataName = `${basename(path)}.data`;
  const dataPath = join(dirname(path), dataName);
  const tmp = `${dataPath}.${process.pid}.${Date.now().toString(36)}.tmp`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    const out = fd;
    let offset = 0;
    const write = (b: Uint8Array) => {
      for (let done = 0; done < b.byteLength; ) done += writeSync(out, b, done, b.byteLength - done);
      offset += b.byteLength;
    };
    const sink = (t: TensorProto): TensorProto => {
      const raw = t.rawData;
      if (!raw || raw.byteLength < INLINE_BELOW) return t;
      if (offset % ALIGN) write(new Uint8Array(ALIGN - (offset % ALIGN)));
      const start = offset;
      write(raw);
      return {
        name: t.name,
        dims: t.dims,
        dataType: t.dataType,
        dataLocation: 1,
        externalData: [
          { key: 'location', value: dataName },
          { key: 'offset', value: String(start) },
          { key: 'length', value: String(raw.byteLength) },
        ],
      };
    };
    const m = buildViTModel(config, c, weights, options, fn, sink);
    closeSync(out);
    fd = undefined;
    const bytes = encodeModel(m);
    renameSync(tmp, dataPath);
    await atomicWrite(path, bytes);
    return { model: path, data: dataPath, bytes: bytes.byteLength + offset };
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    if (e instanceof VitValueError || e instanceof VitIoError) throw e;
    throw new VitIoError(`cannot write the model (${(e as Error).message}).`, { file: path, cause: e });
  }
}
