import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { assertTensor, VitValueError, type LayerSelection, type Tensor } from '@vit/io';
import { canonicalTaps } from '../instrument/canonicalTaps.js';
import { instrumentModel } from '../instrument/instrumentModel.js';
import { readModel, spareRoom } from '../instrument/readModel.js';
import type { ModelInfo, TapName, TapOutput, TapTokens } from '../instrument/types.js';
import type { Device } from './ortSession.js';
import { imageDecoder } from '@vit/io';
import { transform as validateTransform } from '../preprocess/transform.js';
import type { PreprocessOptions } from '../preprocess/transform.js';
import type { PreprocessConfig } from '../preprocess/preprocessPresets.js';
import type { DecodeReply, DecodeRequest, InferenceReply, InferenceRequest } from './protocol.js';
import type { Capture, CaptureMeta, CaptureStream, SkippedImage, StreamInput } from './types.js';
import { rethrow, WorkerClient } from './workerClient.js';
import { workerUrl } from './workerUrl.js';

/** Normalisation presets (SPEC "Models and preprocessing"). */
export type SessionPreset = 'imagenet' | 'clip' | 'inception';

/** Options of {@link ViTSession.create}. */
export interface ViTSessionOptions {
  /**
   * Taps to expose (SPEC "Taps").
   * @default ['attention', 'block']
   */
  taps?: readonly TapName[];
  /**
   * Blocks to tap: `'all'`, the last `n`, or 1-based layers (negative = from the end).
   * @default 'all'
   */
  layers?: LayerSelection;
  /**
   * Token taps to capture as their CLS token only, `[B,1,D]` (sliced inside the graph, so less
   * is written and transferred per batch); the others stay `[B,T,D]`.
   * @default every tap `all`
   */
  tokens?: Partial<Record<TapName, TapTokens>>;
  /**
   * Images per inference batch in {@link ViTSession.stream}. A graph with a static batch axis `N`
   * takes at most `N` (smaller batches are zero-padded).
   * @default 8, or the graph's static batch
   */
  batchSize?: number;
  /**
   * onnxruntime intra-op threads.
   * @default os.availableParallelism()
   */
  intraOpThreads?: number;
  /**
   * Execution device; `'cuda'` needs onnxruntime-node's CUDA binaries, else create() fails with one line.
   * @default 'cpu'
   */
  device?: Device;
  /**
   * Normalisation preset used when {@link ViTSession.stream} preprocesses images.
   * @default 'imagenet'
   */
  preset?: SessionPreset;
  /**
   * Input `[h, w]`, needed only when the graph's spatial axes are dynamic.
   * @default the graph input's size
   */
  imageSize?: readonly [number, number];
  /**
   * Worker threads decoding and preprocessing images in {@link ViTSession.stream}.
   * @default min(4, max(1, availableParallelism() − 1))
   */
  decodeWorkers?: number;
  /**
   * Folder holding the model's external-data files (`model.onnx.data` beside `model.onnx`); needed only
   * when the model is given as bytes. The weights are read by onnxruntime in the worker, from there.
   * @default the model file's folder
   */
  externalDataDir?: string;
  /**
   * Evaluation transform {@link ViTSession.stream} applies: `resize`/`cropPct`, `interpolation`,
   * `antialias`, `mean`/`std` — typically a {@link PreprocessConfig} from `preprocessPreset(...)`.
   * Its `crop`, when given, must equal the model's input size. `mean`/`std` override `preset`.
   * A function gets the graph's input size `[h, w]` first (e.g. `([h]) => preprocessPreset('imagenet-dino', { crop: h })`).
   * @default Resize(S) → CenterCrop(S), bicubic, antialiased, with `preset`'s mean/std
   */
  transform?: Partial<PreprocessConfig> | ((imageSize: [number, number]) => Partial<PreprocessConfig>);
  /**
   * What {@link inspectModel} already answered for this model: skips the probe run that
   * instrumenting the graph otherwise makes (a second onnxruntime session at batch 1).
   * @default undefined (probe)
   */
  info?: ModelInfo;
}

/** Options of {@link ViTSession.stream}. */
export interface StreamOptions {
  /**
   * Decoded images held ahead of inference (bounds memory whatever the number of images).
   * @default 2 × batchSize
   */
  prefetch?: number;
  /**
   * Hand each capture's output buffers back to the inference worker when the loop asks for the
   * next capture, so that onnxruntime writes later batches into memory already paged in: with
   * every tap, a ViT-S batch of 16 writes ~0.5 GB of outputs, and on the development machine a
   * warm run writing into fresh buffers took 1.10 s against 0.66 s into reused ones (the first
   * write to fresh memory costs a page fault per 4 KiB). A capture's arrays are then valid only
   * until the next iteration — afterwards they are detached (length 0): copy what you keep.
   * @default false
   */
  reuseBuffers?: boolean;
}

const PRESETS: readonly SessionPreset[] = ['imagenet', 'clip', 'inception'];

/**
 * A ViT ONNX model with taps, run in its own worker thread (onnxruntime-node's `run()` blocks the
 * event loop), fed by decode workers when streaming images.
 *
 * @example
 * const session = await ViTSession.create('vit_b16.onnx', { taps: ['attention', 'block'], batchSize: 8 });
 * for await (const cap of session.stream(paths)) {
 *   cap.taps.attention![11]; // [B,12,197,197]
 * }
 * await session.close();
 */
export class ViTSession {
  /** The model's {@link ModelInfo}. */
  readonly info: ModelInfo;
  /** Tapped blocks, 1-based. */
  readonly layers: number[];
  /** Exposed taps. */
  readonly taps: TapName[];
  /** Images per batch in {@link ViTSession.stream}. */
  readonly batchSize: number;
  private readonly outputs: TapOutput[];
  private readonly inference: WorkerClient<InferenceRequest, InferenceReply>;
  /** What {@link ViTSession.stream} does to each image (the model's input size as `crop`). */
  readonly preprocess: Readonly<PreprocessOptions>;
  private readonly decodeWorkers: number;
  private decoders: WorkerClient<DecodeRequest, DecodeReply>[] | undefined;
  private closed = false;
  /** The raw output buffers behind each capture of a stream (handed back with `reuseBuffers`). */
  private readonly outputBuffers = new WeakMap<Capture, ArrayBuffer[]>();

  private constructor(
    info: ModelInfo,
    outputs: TapOutput[],
    taps: TapName[],
    layers: number[],
    inference: WorkerClient<InferenceRequest, InferenceReply>,
    o: { batchSize: number; preprocess: PreprocessOptions; decodeWorkers: number },
  ) {
    this.info = info;
    this.outputs = outputs;
    this.taps = taps;
    this.layers = layers;
    this.inference = inference;
    this.batchSize = o.batchSize;
    this.preprocess = Object.freeze(o.preprocess);
    this.decodeWorkers = o.decodeWorkers;
  }

  /**
   * Instrument `model` and start its inference worker.
   * @param model path to an `.onnx` file, or its bytes.
   * @param options see {@link ViTSessionOptions}.
   * @returns a ready session; call {@link ViTSession.close} when done.
   * @throws VitIoError (missing file, not ONNX), VitModelError (see inspectModel), VitValueError (bad option,
   *   `VIT_DEVICE_UNAVAILABLE` when `device: 'cuda'` has no CUDA provider).
   * @example const s = await ViTSession.create(bytes, { taps: ['attention'], layers: [1, -1] });
   */
  static async create(model: string | Uint8Array, options: ViTSessionOptions = {}): Promise<ViTSession> {
    const fn = 'ViTSession.create';
    const device = options.device ?? 'cpu';
    if (device !== 'cpu' && device !== 'cuda') throw new VitValueError(`\`device\` of ${fn} must be 'cpu' or 'cuda'. Got ${JSON.stringify(device)}.`);
    const preset = options.preset ?? 'imagenet';
    if (!PRESETS.includes(preset)) throw new VitValueError(`\`preset\` of ${fn} must be one of ${PRESETS.join(', ')}. Got ${JSON.stringify(preset)}.`);
    const threads = options.intraOpThreads ?? availableParallelism();
    positiveInt(threads, 'intraOpThreads', fn);
    const decodeWorkers = options.decodeWorkers ?? Math.min(4, Math.max(1, availableParallelism() - 1));
    positiveInt(decodeWorkers, 'decodeWorkers', fn);
    if (options.batchSize !== undefined) positiveInt(options.batchSize, 'batchSize', fn);

    if (typeof model !== 'string' && !(model instanceof Uint8Array)) await readModel(model, fn); // throws naming ViTSession.create
    const inst = await instrumentModel(model, { taps: options.taps, layers: options.layers, tokens: options.tokens, imageSize: options.imageSize, externalDataDir: options.externalDataDir, info: options.info });
    const staticBatch = inst.info.input.batch;
    const batchSize = options.batchSize ?? staticBatch ?? 8;
    if (staticBatch !== null && batchSize > staticBatch) {
      throw new VitValueError(`\`batchSize\` of ${fn} must be at most ${staticBatch}: the graph's batch axis is static. Got ${batchSize}.`);
    }
    const taps = [...(options.taps ?? ['attention', 'block'])];
    const layers = [...new Set(inst.outputs.map((o) => o.layer))];
    const tf = options.transform;
    const preprocess = sessionPreprocess(typeof tf === 'function' ? tf([...inst.info.imageSize] as [number, number]) : tf, preset, inst.info.imageSize, fn);

    const client = new WorkerClient<InferenceRequest, InferenceReply>(new Worker(await workerUrl('inferenceWorker')));
    // The worker gets its own copy when the bytes are the caller's (transfer would detach them).
    // A file's bytes read by readModel travel with their buffer's spare room (no copy); other views are copied out.
    const own = inst.bytes === model ? model.slice() : inst.bytes;
    const sent = (own.byteOffset === 0 && own.byteLength === own.buffer.byteLength) || spareRoom(own) > 0 ? own : own.slice();
    const reply = await client.request(
      { type: 'init', bytes: sent, inputName: inst.info.input.name, options: { intraOpThreads: threads, device, externalDataDir: inst.externalDataDir } },
      [sent.buffer as ArrayBuffer],
    );
    if (reply.type === 'error') {
      await client.terminate();
      rethrow(reply.error);
    }
    return new ViTSession(inst.info, inst.outputs, taps, layers, client, { batchSize, preprocess, decodeWorkers });
  }

  /**
   * Run one batch of already-normalised pixels.
   * @param pixels `[B,C,h,w]` float32 (C, h, w as the model's input; B ≤ the static batch if there is one).
   * @param meta optional per-image ids and labels.
   * @returns the batch's {@link Capture}.
   * @throws VitValueError on a wrong shape or dtype, or a closed session.
   * @example const cap = await session.run(tensor(x, [2, 3, 224, 224]));
   */
  async run(pixels: Tensor<Float32Array>, meta: { ids?: string[]; labels?: (string | number | undefined)[] } = {}): Promise<Capture> {
    const fn = 'ViTSession.run';
    this.assertOpen(fn);
    const { channels: C, batch: staticBatch } = this.info.input;
    const [h, w] = this.info.imageSize;
    assertTensor(pixels, { name: 'pixels', fn, shape: [null, C, h, w], shapeText: `[B,${C},${h},${w}]`, dtype: 'float32' });
    const B = pixels.shape[0];
    if (B < 1 || (staticBatch !== null && B > staticBatch)) {
      throw new VitValueError(`\`pixels\` of ${fn} must hold 1 to ${staticBatch ?? 'any number of'} images (the graph's batch axis). Got ${B}.`);
    }
    const data = new Float32Array((staticBatch ?? B) * C * h * w);
    copyContiguous(pixels, data);
    const ids = meta.ids ?? Array.from({ length: B }, (_, i) => String(i));
    const indices = Array.from({ length: B }, (_, i) => i);
    return this.infer(data, B, { batch: B, ids, indices, labels: meta.labels ?? new Array(B).fill(undefined), skipped: [] });
  }

  /**
   * Stream images through the model: decoding and preprocessing (resize, centre crop, normalise with
   * the session's preset) run in worker threads, inference in its own; at most `prefetch` decoded
   * images, one batch in inference and the capture being consumed are held, whatever the number of images.
   * Images that fail to decode are skipped and reported (`meta.skipped`, `stream.skipped`).
   *
   * @param images paths, decoded `[H,W,3]` uint8 tensors, or `{ path | image, id?, label? }`; sync or async iterable.
   * @param options see {@link StreamOptions}.
   * @returns an async iterable of {@link Capture}s in input order, with `skipped`.
   * @throws VitValueError (rejected from iteration) on an input item of the wrong kind; inference errors.
   * @example
   * const stream = session.stream(['a.jpg', 'b.jpg']);
   * for await (const cap of stream) consume(cap);
   * stream.skipped; // [{ index, id, error }]
   */
  stream(images: Iterable<StreamInput> | AsyncIterable<StreamInput>, options: StreamOptions = {}): CaptureStream {
    const skipped: SkippedImage[] = [];
    const prefetch = options.prefetch ?? 2 * this.batchSize;
    const reuse = options.reuseBuffers ?? false;
    positiveInt(prefetch, 'prefetch', 'ViTSession.stream');
    if (typeof images === 'string' || !images || (!(Symbol.asyncIterator in images) && !(Symbol.iterator in images))) {
      throw new VitValueError(`\`images\` of ViTSession.stream must be an iterable or async iterable of paths or images. Got ${typeof images === 'string' ? 'a string' : typeof images}.`);
    }
    const self = this;
    return {
      skipped,
      [Symbol.asyncIterator]: () => self.streamCaptures(images, prefetch, skipped, reuse),
    };
  }

  private async *streamCaptures(images: Iterable<StreamInput> | AsyncIterable<StreamInput>, prefetch: number, skipped: SkippedImage[], reuse: boolean): AsyncGenerator<Capture> {
    this.assertOpen('ViTSession.stream');
    const decoders = await this.startDecoders();
    const [h, w] = this.info.imageSize;
    const per = 3 * h * w;
    const B = this.batchSize;
    const rows = this.info.input.batch ?? B;
    const iter = (Symbol.asyncIterator in images ? images[Symbol.asyncIterator]() : (images as Iterable<StreamInput>)[Symbol.iterator]()) as
      | AsyncIterator<StreamInput>
      | Iterator<StreamInput>;
    type Item = { index: number; id: string; label?: string | number; reply: Promise<DecodeReply> };
    const queue: Item[] = [];
    let next = 0;
    let exhausted = false;
    const fill = async () => {
      while (!exhausted && queue.length < prefetch) {
        const r = await iter.next();
        if (r.done) {
          exhausted = true;
          break;
        }
        const index = next++;
        const { req, id, label } = decodeRequest(r.value, index, this.preprocess);
        const worker = decoders.reduce((a, b) => (b.busy < a.busy ? b : a));
        const transfer = req.image ? [req.image.data.buffer as ArrayBuffer] : [];
        const reply = worker.request(req, transfer);
        reply.catch(() => {}); // surfaced when awaited; a consumer that stops early leaves some unawaited
        queue.push({ index, id, label, reply });
      }
    };

    let batch = new Float32Array(rows * per);
    let meta: CaptureMeta = emptyMeta();
    let pending: Promise<Capture> | undefined;
    const submit = () => {
      const p = this.infer(this.info.input.batch === null ? batch.subarray(0, meta.batch * per) : batch, meta.batch, meta);
      p.catch(() => {}); // surfaced when awaited
      batch = new Float32Array(rows * per);
      meta = emptyMeta();
      return p;
    };
    let finished = false;
    try {
      for (;;) {
        await fill();
        const item = queue.shift();
        if (!item) break;
        const reply = await item.reply;
        if ('error' in reply) {
          const s: SkippedImage = { index: item.index, id: item.id, error: reply.error.message, ...(reply.error.code ? { code: reply.error.code } : {}) };
          skipped.push(s);
          meta.skipped.push(s);
          continue;
        }
        batch.set(reply.pixels, meta.batch * per);
        meta.batch++;
        meta.ids.push(item.id);
        meta.indices.push(item.index);
        meta.labels.push(item.label);
        if (meta.batch === B) {
          const p = submit();
          if (pending) yield* this.handOut(await pending, reuse);
          pending = p;
        }
      }
      if (meta.batch > 0) {
        const p = submit();
        if (pending) yield* this.handOut(await pending, reuse);
        pending = p;
      } else if (pending && meta.skipped.length) {
        const last = await pending;
        last.meta.skipped.push(...meta.skipped);
        pending = Promise.resolve(last);
      }
      if (pending) yield* this.handOut(await pending, reuse);
      finished = true;
    } finally {
      // A consumer that stops early (break, throw) also closes the input iterator.
      if (!finished) await iter.return?.();
    }
  }

  /** Yield a capture; with `reuse`, send its buffers back to the inference worker once the consumer asks for more. */
  private *handOut(cap: Capture, reuse: boolean): Generator<Capture> {
    yield cap;
    const buffers = this.outputBuffers.get(cap);
    this.outputBuffers.delete(cap);
    if (reuse && buffers && !this.closed) this.inference.post({ type: 'recycle', buffers }, buffers);
  }

  /** Stop the workers. The session cannot be used afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.inference.terminate(), ...(this.decoders ?? []).map((d) => d.terminate())]);
  }

  private async infer(data: Float32Array, B: number, meta: CaptureMeta): Promise<Capture> {
    const { channels: C } = this.info.input;
    const [h, w] = this.info.imageSize;
    const rows = data.length / (C * h * w);
    const owned = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
    const reply = await this.inference.request({ type: 'run', data, dims: [rows, C, h, w] }, owned ? [data.buffer as ArrayBuffer] : []);
    if (reply.type === 'error') rethrow(reply.error);
    if (reply.type !== 'result') throw new Error(`unexpected reply ${reply.type}`);
    const { grid, prefixTokens: prefix, patch } = this.info;
    const cap: Capture = {
      taps: canonicalTaps(reply.outputs, this.outputs, this.info, B),
      layers: this.layers,
      grid: { gh: grid[0], gw: grid[1], prefix, patch },
      meta,
    };
    this.outputBuffers.set(cap, Object.values(reply.outputs).map((r) => r.data.buffer as ArrayBuffer));
    return cap;
  }

  private async startDecoders(): Promise<WorkerClient<DecodeRequest, DecodeReply>[]> {
    if (!this.decoders) {
      await imageDecoder(); // loads sharp on this (main) thread first, so workers can use it safely
      const url = await workerUrl('decodeWorker');
      this.decoders = Array.from({ length: this.decodeWorkers }, () => new WorkerClient<DecodeRequest, DecodeReply>(new Worker(url)));
    }
    return this.decoders;
  }

  private assertOpen(fn: string): void {
    if (this.closed) throw new VitValueError(`${fn}: the session is closed.`, { code: 'VIT_CLOSED' });
  }
}

function emptyMeta(): CaptureMeta {
  return { batch: 0, ids: [], indices: [], labels: [], skipped: [] };
}

function positiveInt(v: number, name: string, fn: string): void {
  if (!Number.isInteger(v) || v < 1) throw new VitValueError(`\`${name}\` of ${fn} must be a positive integer. Got ${v}.`);
}

/** The stream's preprocessing: the graph's input size as the crop, the caller's transform, validated once here. */
function sessionPreprocess(t: Partial<PreprocessConfig> | undefined, preset: SessionPreset, imageSize: readonly [number, number], fn: string): PreprocessOptions {
  if (t !== undefined && (t === null || typeof t !== 'object')) throw new VitValueError(`\`transform\` of ${fn} must be an object (a PreprocessConfig). Got ${t === null ? 'null' : typeof t}.`);
  const [h, w] = imageSize;
  if (t?.crop !== undefined && !(t.crop === h && t.crop === w)) {
    throw new VitValueError(`\`transform.crop\` of ${fn} must equal the model's input size ${h}×${w}. Got ${t.crop}; pick the preset for this size (preprocessPreset(name, { crop: ${h} })).`);
  }
  const o: PreprocessOptions = { crop: [h, w], preset };
  if (t) {
    for (const k of ['resize', 'cropPct', 'interpolation', 'antialias', 'mean', 'std'] as const) if (t[k] !== undefined) (o as Record<string, unknown>)[k] = t[k];
    // A preset's resize was computed for its own crop; with an explicit resize, cropPct is informational.
    if (t.resize !== undefined) delete o.cropPct;
  }
  validateTransform(o, fn);
  return { ...o, mean: o.mean && [...o.mean] as [number, number, number], std: o.std && [...o.std] as [number, number, number] };
}

function decodeRequest(
  item: StreamInput,
  index: number,
  preprocess: PreprocessOptions,
): { req: Omit<DecodeRequest, 'id'>; id: string; label?: string | number } {
  const fn = 'ViTSession.stream';
  const asImage = (t: Tensor<Uint8Array>) => {
    assertTensor<Uint8Array>(t, { name: `images[${index}]`, fn, shape: [null, null, null], shapeText: '[H,W,3]', dtype: 'uint8' });
    const data = new Uint8Array(t.size);
    copyContiguous(t, data);
    return { data, shape: t.shape.slice() };
  };
  if (typeof item === 'string') return { req: { path: item, preprocess }, id: item };
  if (item && typeof item === 'object') {
    if ('path' in item && typeof item.path === 'string') return { req: { path: item.path, preprocess }, id: item.id ?? item.path, label: item.label };
    if ('image' in item) return { req: { image: asImage(item.image), preprocess }, id: item.id ?? String(index), label: item.label };
    if ('data' in item && 'shape' in item) return { req: { image: asImage(item as Tensor<Uint8Array>), preprocess }, id: String(index) };
  }
  throw new VitValueError(`\`images[${index}]\` of ${fn} must be a path, a [H,W,3] uint8 tensor or { path | image, id?, label? }. Got ${typeof item}.`);
}

/** Copy an ndarray (any strides) into `out` in C order. */
function copyContiguous(t: Tensor<Float32Array> | Tensor<Uint8Array>, out: Float32Array | Uint8Array): void {
  const { shape, stride, offset } = t;
  const src = t.data as Float32Array | Uint8Array;
  let contiguous = true;
  for (let i = shape.length - 1, s = 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== s) contiguous = false;
    s *= shape[i];
  }
  if (contiguous) {
    out.set(src.subarray(offset, offset + t.size));
    return;
  }
  const n = t.size;
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    let p = offset;
    for (let a = 0; a < shape.length; a++) p += idx[a] * stride[a];
    out[k] = src[p];
    for (let a = shape.length - 1; a >= 0; a--) {
      if (++idx[a] < shape[a]) break;
      idx[a] = 0;
    }
  }
}

