import * as ort from 'onnxruntime-node';
import { VitValueError } from '@vit/io';
import type { RawTensor } from '../instrument/canonicalTaps.js';

/** Where inference runs. */
export type Device = 'cpu' | 'cuda';

/** Options for an onnxruntime session. */
export interface OrtSessionOptions {
  /** Threads inside one operator. */
  intraOpThreads: number;
  /** Execution device. */
  device: Device;
  /** Folder of the model's external-data files (ONNX `location`s are relative to it). */
  externalDataDir?: string;
}

/**
 * An onnxruntime-node session for `bytes`; `cuda` fails with one clear line when the CUDA
 * execution provider is not installed (onnxruntime-node ships CPU binaries only by default).
 */
export async function createOrtSession(bytes: Uint8Array, o: OrtSessionOptions): Promise<ort.InferenceSession> {
  const options: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: o.intraOpThreads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    // No memory pattern: with it, onnxruntime plans one block for a run's intermediates on the
    // first run and allocates it fresh on the second; a tapped graph keeps many large tensors alive,
    // and that second run took 1.6 s against 0.9 s without (ViT-S, batch 16, every attention map
    // tapped; later runs 0.62 s either way). The arena still reuses memory between runs.
    enableMemPattern: false,
    executionMode: 'sequential',
    executionProviders: o.device === 'cuda' ? ['cuda'] : ['cpu'],
    // No spin-waiting between ops (like OMP_WAIT_POLICY=PASSIVE): idle onnxruntime threads would
    // otherwise burn the cores the decode workers need; ViT ops are large, so waking costs ~nothing.
    extra: {
      session: {
        intra_op: { allow_spinning: '0' },
        inter_op: { allow_spinning: '0' },
        ...(o.externalDataDir ? { model_external_initializers_file_folder_path: o.externalDataDir } : {}),
      },
    },
  };
  try {
    return await ort.InferenceSession.create(bytes, options);
  } catch (cause) {
    if (o.device === 'cuda') {
      throw new VitValueError(
        `\`device\` 'cuda' of ViTSession.create is not available: onnxruntime-node could not start its CUDA execution provider (${firstLine(cause)}). Install onnxruntime-node's CUDA binaries (with CUDA 12 + cuDNN 9: ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node --ignore-scripts=false) or use device: 'cpu'.`,
        { code: 'VIT_DEVICE_UNAVAILABLE', cause },
      );
    }
    throw cause;
  }
}

/**
 * One run; every graph output is fetched (onnxruntime-node 1.23 mislabels the results of a fetch
 * subset). `fetches`, when given, are pre-allocated tensors for every output that onnxruntime
 * writes into.
 */
export async function runSession(
  session: ort.InferenceSession,
  inputName: string,
  data: Float32Array,
  dims: readonly number[],
  fetches?: Record<string, ort.Tensor>,
): Promise<Record<string, RawTensor>> {
  const feeds = { [inputName]: new ort.Tensor('float32', data, dims) };
  const out = fetches ? await session.run(feeds, fetches) : await session.run(feeds);
  const result: Record<string, RawTensor> = {};
  for (const [name, t] of Object.entries(out)) {
    if (t.type !== 'float32') continue;
    result[name] = { data: t.data as Float32Array, dims: t.dims.map(Number) };
  }
  return result;
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}
