// One pass of `vit study`: a model over (a shard of) a dataset, every capture handed to every
// analysis state of the pass, checkpointed every few batches and at the end.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { VitIoError, type NumericBackend } from '@vit/io';
import { ViTSession, type Device, type SkippedImage } from '@vit/runtime';
import { modelTransform } from './modelTransform.js';
import { readCheckpoint, writeCheckpoint, type PassCheckpoint } from './checkpoint.js';
import type { StudyConfig } from './config.js';
import { passFingerprint, type PassPlan } from './plan.js';
import { shardRange, type Shard } from './shard.js';
import type { AnalysisState, PassContext, StudyItem } from './types.js';

/** Options of {@link runPass}. */
export interface RunPassOptions {
  /** The study's output folder (`DIR`); the pass keeps its state under `DIR/cache/passes/`. */
  out: string;
  shard: Shard;
  study: StudyConfig;
  backend: NumericBackend;
  /** `@vit/cli`'s version (part of the fingerprint). */
  toolVersion: string;
  /** Execution device. @default study.device */
  device?: Device;
  /** onnxruntime intra-op threads. @default all cores */
  intraOpThreads?: number;
  /** When aborted: finish the current batch, write the checkpoint, return `stopped: true`. */
  signal?: AbortSignal;
  /** Called once the checkpoint is read, with the shard's items already consumed. */
  onStart?: (done: number, total: number) => void;
  /** Called after every batch with the shard's items consumed so far. */
  onProgress?: (done: number, total: number) => void;
}

/** What a pass (or a shard of it) left: its states and bookkeeping. */
export interface PassRun {
  readonly pass: PassPlan;
  readonly shard: Shard;
  readonly fingerprint: string;
  /** The folder of this pass's shard (`state.ckpt`, `scratch/`). */
  readonly dir: string;
  /** One state per entry of the pass, restored from the checkpoint's encoding. */
  readonly states: AnalysisState[];
  readonly contexts: PassContext[];
  /** Items of the shard consumed, and in the shard. */
  readonly done: number;
  readonly total: number;
  readonly complete: boolean;
  /** True when stopped by the signal before the end. */
  readonly stopped: boolean;
  /** True when the pass was already complete before this run (nothing streamed). */
  readonly cached: boolean;
  /** Items consumed when this run started (0 = a fresh pass). */
  readonly resumedFrom: number;
  /** Images the session could not decode (`index` into the dataset's items). */
  readonly skipped: SkippedImage[];
  /** Seconds spent streaming, over every run of the pass. */
  readonly seconds: number;
}

/** `DIR/cache/passes/<model>/<dataset>/shard-k-of-N`. */
export function passDir(out: string, pass: PassPlan, shard: Shard): string {
  return join(out, 'cache', 'passes', pass.model.name, pass.dataset.name, `shard-${shard.k}-of-${shard.n}`);
}

/** The contexts of a pass's entries (scratch folders `scratch/<i>`). */
export function passContexts(pass: PassPlan, study: StudyConfig, backend: NumericBackend, dir: string): PassContext[] {
  return pass.entries.map((e, i) => ({ model: pass.model, dataset: pass.dataset, config: e.config, study, backend, scratchDir: join(dir, 'scratch', String(i)) }));
}

/** The states of a checkpoint, restored by their analyses. */
export async function restoreStates(pass: PassPlan, json: readonly unknown[], contexts: readonly PassContext[]): Promise<AnalysisState[]> {
  if (json.length !== pass.entries.length) {
    throw new VitIoError(`a checkpoint of ${pass.label} has ${json.length} states for ${pass.entries.length} analyses; delete it to start the pass again.`, { code: 'VIT_IO_FORMAT' });
  }
  const out: AnalysisState[] = [];
  for (const [i, e] of pass.entries.entries()) out.push(await e.analysis.restore(json[i], contexts[i]));
  return out;
}

/**
 * Run one pass over the shard's slice of the dataset, or resume it from its checkpoint: items
 * `slice(done)` are streamed, so batches are those of an uninterrupted run and the states are
 * bit-identical. A complete pass with the same fingerprint is not run again.
 * @param pass the planned pass.
 * @param options output folder, shard, config, backend, signal, progress.
 * @returns the pass's states and bookkeeping.
 * @throws VitIoError when the checkpoint cannot be read or written; session and analysis errors.
 */
export async function runPass(pass: PassPlan, options: RunPassOptions): Promise<PassRun> {
  const { study, shard, signal } = options;
  const dir = passDir(options.out, pass, shard);
  const ckptPath = join(dir, 'state.ckpt');
  const fingerprint = passFingerprint(pass, study, shard, options.toolVersion);
  const { start, end } = shardRange(pass.dataset.items.length, study.batchSize, shard);
  const total = end - start;
  const contexts = passContexts(pass, study, options.backend, dir);

  await mkdir(dir, { recursive: true });
  let ckpt = await readCheckpoint(ckptPath);
  if (ckpt && ckpt.fingerprint !== fingerprint) ckpt = undefined; // config or model changed: start again
  if (!ckpt) {
    await rm(ckptPath, { force: true });
    await rm(join(dir, 'scratch'), { recursive: true, force: true });
  }
  for (const c of contexts) await mkdir(c.scratchDir, { recursive: true });
  const base = { pass, shard, fingerprint, dir, contexts, total };
  options.onStart?.(ckpt?.done ?? 0, total);
  if (ckpt?.complete) {
    const states = await restoreStates(pass, ckpt.states, contexts);
    return { ...base, states, done: ckpt.done, complete: true, stopped: false, cached: true, resumedFrom: ckpt.done, skipped: ckpt.skipped, seconds: ckpt.seconds };
  }
  let states: AnalysisState[] = [];
  if (ckpt) states = await restoreStates(pass, ckpt.states, contexts);
  else for (const [i, e] of pass.entries.entries()) states.push(await e.analysis.start(contexts[i]));

  const resumedFrom = ckpt?.done ?? 0;
  const priorSeconds = ckpt?.seconds ?? 0;
  const skipped: SkippedImage[] = [...(ckpt?.skipped ?? [])];
  const seen = new Set(skipped.map((s) => s.index));
  let done = resumedFrom;
  const t0 = performance.now();
  const checkpoint = (complete: boolean): PassCheckpoint => ({
    fingerprint,
    done,
    total,
    complete,
    skipped,
    seconds: priorSeconds + (performance.now() - t0) / 1000,
    states: states.map((s) => s.toJSON()),
  });
  const save = async (complete: boolean): Promise<PassCheckpoint> => {
    const c = checkpoint(complete);
    await writeCheckpoint(ckptPath, c);
    return c;
  };
  if (signal?.aborted) {
    return { ...base, states, done, complete: false, stopped: true, cached: false, resumedFrom, skipped, seconds: priorSeconds };
  }

  const first = start + done;
  const list: StudyItem[] = pass.dataset.items.slice(first, end);
  const addSkipped = (s: SkippedImage) => {
    const index = s.index + first;
    if (seen.has(index)) return;
    seen.add(index);
    skipped.push({ ...s, index });
  };
  let stopped = false;
  if (list.length) {
    const session = await ViTSession.create(pass.model.onnx, {
      taps: pass.taps,
      tokens: pass.tokens,
      layers: pass.layers ?? 'all',
      batchSize: study.batchSize,
      device: options.device ?? study.device,
      intraOpThreads: options.intraOpThreads,
      info: pass.model.info,
      // The crop is the graph's own input size; the rest is the study's one evaluation transform.
      transform: ([h, w]) => {
        const { crop: _crop, ...t } = modelTransform({ preset: pass.model.preset, imageSize: [h, w] });
        return t;
      },
    });
    try {
      // Every analysis copies what it keeps from a capture, so its buffers can go back to the worker.
      const stream = session.stream(list.map((it) => ({ path: it.path, id: it.id, label: it.label })), { reuseBuffers: true });
      let batches = 0;
      // A checkpoint after `checkpointEvery` batches and `checkpointSeconds` since the last one.
      let savedAt = { batches: 0, ms: performance.now() };
      for await (const cap of stream) {
        let last = -1;
        const local = cap.meta.indices;
        const items = local.map((i) => list[i]);
        for (const i of local) if (i > last) last = i;
        for (const s of cap.meta.skipped) {
          if (s.index > last) last = s.index;
          addSkipped(s);
        }
        cap.meta.indices = local.map((i) => i + first);
        cap.meta.skipped = cap.meta.skipped.map((s) => ({ ...s, index: s.index + first }));
        for (const st of states) await st.update(cap, items);
        done = first + last + 1 - start;
        options.onProgress?.(done, total);
        if (++batches - savedAt.batches >= study.checkpointEvery && performance.now() - savedAt.ms >= study.checkpointSeconds * 1000) {
          await save(false);
          savedAt = { batches, ms: performance.now() };
        } else if (signal?.aborted) await save(false);
        if (signal?.aborted) {
          stopped = true;
          break;
        }
      }
      if (!stopped) for (const s of stream.skipped) addSkipped(s);
    } finally {
      await session.close();
    }
  }
  if (stopped) {
    return { ...base, states, done, complete: false, stopped: true, cached: false, resumedFrom, skipped, seconds: priorSeconds + (performance.now() - t0) / 1000 };
  }
  done = total;
  options.onProgress?.(done, total);
  skipped.sort((a, b) => a.index - b.index);
  const written = await save(true);
  // Results always come from restored states: a single run, a resumed one and a merge of shards
  // all finish from `fromJSON`. The checkpoint codec is exact (tested), so restoring from the
  // `toJSON()`s just written equals restoring from the file, without decoding it again.
  const restored = await restoreStates(pass, written.states, contexts);
  return { ...base, states: restored, done, complete: true, stopped: false, cached: false, resumedFrom, skipped, seconds: written.seconds };
}
