// Worker entry: owns the onnxruntime session so that run() never blocks the main thread's event loop.
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { createOrtSession, runSession, type OrtSessionOptions } from './ortSession.js';
import type { InferenceRequest, InferenceReply } from './protocol.js';
import { serializeError } from './protocol.js';
import { OutputPool } from './outputPool.js';

let session: ort.InferenceSession | undefined;
let inputName = '';
const pool = new OutputPool();

/** Runs one at a time, in arrival order: overlapping runs would split the same threads and need twice the memory. */
let queue: Promise<void> = Promise.resolve();

const port = parentPort!;
port.on('message', (msg: InferenceRequest) => {
  if (msg.type === 'recycle') pool.add(msg.buffers); // at once: the next queued run can use them
  else queue = queue.then(() => handle(msg));
});

async function handle(msg: Exclude<InferenceRequest, { type: 'recycle' }>): Promise<void> {
  try {
    if (msg.type === 'init') {
      inputName = msg.inputName;
      session = await createOrtSession(msg.bytes, msg.options as OrtSessionOptions);
      port.postMessage({ type: 'ready', id: msg.id } satisfies InferenceReply);
    } else if (msg.type === 'run') {
      // Buffers handed back by the main thread are already paged in: onnxruntime writes into them.
      const fetches = pool.fetches(msg.dims, (type, data, dims) => new ort.Tensor(type, data, dims));
      const raw = await runSession(session!, inputName, msg.data, msg.dims, fetches);
      pool.learn(msg.dims, raw, session!.outputNames.length);
      const transfer: ArrayBuffer[] = [];
      for (const r of Object.values(raw)) {
        // Transfer whole buffers; copy a view that shares its buffer with something else.
        if (r.data.byteOffset !== 0 || r.data.byteLength !== r.data.buffer.byteLength || transfer.includes(r.data.buffer as ArrayBuffer)) {
          r.data = r.data.slice();
        }
        transfer.push(r.data.buffer as ArrayBuffer);
      }
      port.postMessage({ type: 'result', id: msg.id, outputs: raw } satisfies InferenceReply, transfer);
    } else if (msg.type === 'close') {
      await session?.release();
      session = undefined;
      port.close();
    }
  } catch (e) {
    port.postMessage({ type: 'error', id: msg.id, error: serializeError(e) } satisfies InferenceReply);
  }
}
