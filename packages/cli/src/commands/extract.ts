import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { readNpy, tensor, VitError, VitIoError, VitValueError, type Tensor } from '@vit/io';
import { ViTSession, type Capture, type ModelInfo, type SessionPreset, type SkippedImage, type TapName } from '@vit/runtime';
import { listImages } from '../listImages.js';
import { NpyStream } from '../npyStream.js';
import { outputOf } from '../output.js';
import { parseImageSize, parseLayers, parsePositiveInt, parseTaps } from '../parse.js';
import { Progress } from '../progress.js';

const VERB = 'vit extract';

/** Parsed options of `vit extract`. */
interface ExtractFlags {
  pixels?: string;
  images?: string;
  out: string;
  taps: string;
  layers: string;
  batch?: string;
  preset: string;
  skipBad?: boolean;
  force?: boolean;
  threads?: string;
  device: string;
  imageSize?: string;
  json?: boolean;
}

/** `manifest.json` written beside the arrays. */
export interface ExtractManifest {
  model: string;
  summary: Pick<ModelInfo, 'layers' | 'heads' | 'dim' | 'tokens' | 'prefixTokens' | 'grid' | 'patch' | 'imageSize'>;
  grid: { gh: number; gw: number; prefix: number; patch: number };
  source: { pixels: string } | { images: string; preset: SessionPreset };
  taps: TapName[];
  /** 1-based layers. */
  layers: number[];
  /** Rows of every array, in order. */
  images: { index: number; id: string }[];
  skipped: SkippedImage[];
  /** `<tap>-<l>.npy` → its tap, layer and shape. */
  files: Record<string, { tap: TapName; layer: number; shape: number[] }>;
}

/**
 * `vit extract <model.onnx> (--pixels x.npy | --images dir) --out dir [...]`: run a ViT and write
 * `<out>/<tap>-<l>.npy` (1-based `l`; attention `[N,H,T,T]`, token taps `[N,T,D]`) and
 * `<out>/manifest.json`. Everything is written into a temporary directory beside `out` and renamed
 * into place at the end, so an error never leaves partial output.
 * @param program the `vit` program.
 * @returns the `extract` command.
 * @example vit extract vit_b16.onnx --images val/ --out feats --taps attention,block --layers 1,6,12
 */
export function registerExtract(program: Command): Command {
  return program
    .command('extract')
    .description('Run a ViT over pixels or images and save attention / features per layer as .npy.')
    .argument('<model>', 'the .onnx file')
    .option('--pixels <x.npy>', 'already-normalised float32 pixels [B,3,H,W]')
    .option('--images <dir>', 'a directory of JPEG/PNG images (searched recursively, sorted by path)')
    .requiredOption('--out <dir>', 'output directory (must not exist or be empty, unless --force)')
    .option('--taps <list>', 'comma list of attention, block, attnIn, mlpIn, attnSkip, attnBranch, mlpSkip, mlpBranch', 'attention,block')
    .option('--layers <list>', '"all" or 1-based layers, e.g. 1,5,12 (negative = from the end)', 'all')
    .option('--batch <n>', 'images per batch (default 8, or the graph’s static batch)')
    .option('--preset <name>', 'normalisation for --images: imagenet, clip or inception', 'imagenet')
    .option('--skip-bad', 'exit 0 even when some images could not be decoded (they are skipped either way)')
    .option('--force', 'replace an existing non-empty --out directory')
    .option('--threads <n>', 'onnxruntime intra-op threads (default: all cores)')
    .option('--device <name>', 'cpu or cuda', 'cpu')
    .option('--image-size <h,w>', 'input size, for graphs whose spatial axes are dynamic')
    .option('--json', 'print a JSON summary instead of text')
    .action(async (model: string, flags: ExtractFlags, cmd: Command) => {
      await extract(model, flags, cmd);
    });
}

async function extract(model: string, f: ExtractFlags, cmd: Command): Promise<void> {
  const { out: writeOut, err: writeErr, errIsTTY } = outputOf(cmd);
  if ((f.pixels === undefined) === (f.images === undefined)) {
    throw new VitValueError(`${VERB} needs exactly one of --pixels <x.npy> or --images <dir>. Got ${f.pixels === undefined ? 'neither' : 'both'}.`);
  }
  const taps = parseTaps(f.taps, VERB);
  const layers = parseLayers(f.layers, VERB);
  const batchSize = f.batch === undefined ? undefined : parsePositiveInt(f.batch, '--batch', VERB);
  const intraOpThreads = f.threads === undefined ? undefined : parsePositiveInt(f.threads, '--threads', VERB);
  const imageSize = f.imageSize === undefined ? undefined : parseImageSize(f.imageSize, '--image-size', VERB);
  if (f.device !== 'cpu' && f.device !== 'cuda') throw new VitValueError(`\`--device\` of ${VERB} must be cpu or cuda. Got "${f.device}".`);
  if (!['imagenet', 'clip', 'inception'].includes(f.preset)) {
    throw new VitValueError(`\`--preset\` of ${VERB} must be imagenet, clip or inception. Got "${f.preset}".`);
  }
  const outDir = resolve(f.out);
  await checkOut(outDir, !!f.force);

  // Inputs are checked before the model is loaded, so bad input fails fast.
  let pixels: Tensor<Float32Array> | undefined;
  let files: string[] = [];
  if (f.pixels !== undefined) {
    const { tensor: t, dtype } = await readNpy(f.pixels);
    if (dtype !== 'float32' || t.shape.length !== 4) {
      throw new VitValueError(`\`--pixels\` of ${VERB} must be a float32 [B,3,H,W] array. Got ${dtype} [${t.shape.join(',')}] in ${f.pixels}.`);
    }
    pixels = t as Tensor<Float32Array>;
  } else {
    files = await listImages(f.images!, '--images');
  }

  const session = await ViTSession.create(model, {
    taps,
    layers,
    batchSize,
    intraOpThreads,
    device: f.device as 'cpu' | 'cuda',
    preset: f.preset as SessionPreset,
    imageSize,
  });
  const tmp = join(dirname(outDir), `.${basename(outDir)}.partial-${process.pid}-${randomBytes(4).toString('hex')}`);
  const streams = new Map<string, NpyStream>();
  const progress = new Progress(errIsTTY, pixels ? pixels.shape[0] : files.length, 'extract');
  const images: { index: number; id: string }[] = [];
  let skipped: SkippedImage[] = [];
  try {
    const info = session.info;
    if (pixels) {
      const [, C, h, w] = pixels.shape;
      if (C !== info.input.channels || h !== info.imageSize[0] || w !== info.imageSize[1]) {
        throw new VitValueError(
          `\`--pixels\` of ${VERB} must have shape [B,${info.input.channels},${info.imageSize[0]},${info.imageSize[1]}] for this model. Got [${pixels.shape.join(',')}].`,
        );
      }
    }
    await mkdir(tmp);
    const sink = async (cap: Capture) => {
      for (const tap of taps) {
        const list = cap.taps[tap]!;
        for (const [i, t] of list.entries()) {
          const name = `${tap}-${cap.layers[i]}.npy`;
          let s = streams.get(name);
          if (!s) {
            s = await NpyStream.create(join(tmp, name), t.shape.slice(1));
            streams.set(name, s);
          }
          await s.append(t);
        }
      }
      for (const [k, id] of cap.meta.ids.entries()) images.push({ index: cap.meta.indices[k], id });
      progress.tick(cap.meta.batch + cap.meta.skipped.length);
    };
    if (pixels) {
      const per = pixels.size / pixels.shape[0];
      const B = session.batchSize;
      const data = pixels.data.subarray(pixels.offset, pixels.offset + pixels.size);
      for (let start = 0; start < pixels.shape[0]; start += B) {
        const n = Math.min(B, pixels.shape[0] - start);
        const ids = Array.from({ length: n }, (_, i) => String(start + i));
        const cap = await session.run(tensor(data.subarray(start * per, (start + n) * per), [n, ...pixels.shape.slice(1)]), { ids });
        cap.meta.indices = cap.meta.indices.map((i) => i + start);
        await sink(cap);
      }
    } else {
      const stream = session.stream(files);
      for await (const cap of stream) await sink(cap);
      skipped = stream.skipped;
      if (!images.length) {
        throw new VitIoError(`none of the ${files.length} image(s) in ${f.images} could be decoded (first: ${skipped[0]?.error ?? 'none'}).`, { code: 'VIT_NO_IMAGES' });
      }
    }
    const fileShapes: ExtractManifest['files'] = {};
    for (const [name, s] of streams) {
      const shape = await s.close();
      const [tap, layer] = name.replace(/\.npy$/, '').split('-');
      fileShapes[name] = { tap: tap as TapName, layer: Number(layer), shape };
    }
    streams.clear();
    const manifest: ExtractManifest = {
      model,
      summary: pick(info),
      grid: { gh: info.grid[0], gw: info.grid[1], prefix: info.prefixTokens, patch: info.patch },
      source: pixels ? { pixels: f.pixels! } : { images: f.images!, preset: f.preset as SessionPreset },
      taps,
      layers: session.layers,
      images: images.map((im) => ({ index: im.index, id: f.images ? relative(f.images, im.id) : im.id })),
      skipped: skipped.map((s) => ({ ...s, id: f.images ? relative(f.images, s.id) : s.id })),
      files: fileShapes,
    };
    await writeFile(join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await moveIntoPlace(tmp, outDir, !!f.force);
    progress.stop();
    if (f.json) {
      writeOut(`${JSON.stringify({ out: outDir, images: images.length, skipped: manifest.skipped, files: Object.keys(fileShapes).sort() })}\n`);
    } else {
      writeOut(`wrote ${Object.keys(fileShapes).length} arrays for ${images.length} image(s) to ${outDir}\n`);
    }
    for (const s of manifest.skipped) writeErr(`vit extract: skipped ${s.id}: ${s.error}\n`);
    if (skipped.length && !f.skipBad) {
      throw new VitError(
        `${skipped.length} image(s) could not be decoded and were skipped (listed in manifest.json); pass --skip-bad to accept that.`,
        { code: 'VIT_SKIPPED_IMAGES' },
      );
    }
  } catch (e) {
    progress.stop();
    await Promise.all([...streams.values()].map((s) => s.abort()));
    await rm(tmp, { recursive: true, force: true });
    throw e;
  } finally {
    await session.close();
  }
}

function pick(info: ModelInfo): ExtractManifest['summary'] {
  const { layers, heads, dim, tokens, prefixTokens, grid, patch, imageSize } = info;
  return { layers, heads, dim, tokens, prefixTokens, grid, patch, imageSize };
}

async function checkOut(out: string, force: boolean): Promise<void> {
  const st = await stat(out).catch(() => undefined);
  if (!st) {
    const parent = await stat(dirname(out)).catch(() => undefined);
    if (!parent?.isDirectory()) throw new VitIoError(`the parent directory of --out does not exist.`, { file: out, code: 'VIT_NOT_FOUND' });
    return;
  }
  if (!st.isDirectory()) throw new VitIoError('--out exists and is not a directory.', { file: out, code: 'VIT_IO_WRITE' });
  if (!force && (await readdir(out)).length) {
    throw new VitIoError('--out exists and is not empty; choose a new directory or pass --force to replace it.', { file: out, code: 'VIT_IO_WRITE' });
  }
}

/** Rename the finished temporary directory onto `out` (an existing one is moved aside first, then removed). */
async function moveIntoPlace(tmp: string, out: string, force: boolean): Promise<void> {
  const st = await stat(out).catch(() => undefined);
  if (st) {
    if (!force && (await readdir(out)).length) throw new VitIoError('--out appeared while extracting and is not empty.', { file: out, code: 'VIT_IO_WRITE' });
    const old = `${tmp}.old`;
    await rename(out, old);
    await rename(tmp, out);
    await rm(old, { recursive: true, force: true });
    return;
  }
  await rename(tmp, out);
}
