// Worker entry: owns the onnxruntime session so that run() never blocks the main thread's event loop.
import { parentPort } from 'node:worker_threads';
import type * as ort from 'onnxruntime-node';
import { createOrtSession, runSession, type OrtSessionOptions } from './ortSession.js';
import type { InferenceRequest, InferenceReply } from './protocol.js';
import { serializeError } from './protocol.js';

let session: ort.InferenceSession | undefined;
let inputName = '';

const port = parentPort!;
port.on('message', async (msg: InferenceRequest) => {
  try {
    if (msg.type === 'init') {
      inputName = msg.inputName;
      session = await createOrtSession(msg.bytes, msg.options as OrtSessionOptions);
      port.postMessage({ type: 'ready', id: msg.id } satisfies InferenceReply);
    } else if (msg.type === 'run') {
      const raw = await runSession(session!, inputName, msg.data, msg.dims);
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
});
