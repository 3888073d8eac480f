// Worker entry: decode an image file (or take decoded pixels) and preprocess it to [3,h,w] float32.
import { parentPort } from 'node:worker_threads';
import { readImage, tensor, type Tensor } from '@vit/io';
import { preprocess } from '../preprocess/preprocess.js';
import type { DecodeReply, DecodeRequest } from './protocol.js';
import { serializeError } from './protocol.js';

const port = parentPort!;
port.on('message', async (msg: DecodeRequest) => {
  try {
    const image: Tensor<Uint8Array> = msg.path
      ? ((await readImage(msg.path)) as Tensor<Uint8Array>)
      : tensor(msg.image!.data, msg.image!.shape);
    const pixels = preprocess(image, msg.preprocess);
    const data = pixels.data.byteOffset === 0 && pixels.data.length === pixels.size ? pixels.data : pixels.data.slice(0, pixels.size);
    port.postMessage({ id: msg.id, pixels: data } satisfies DecodeReply, [data.buffer as ArrayBuffer]);
  } catch (e) {
    port.postMessage({ id: msg.id, error: serializeError(e) } satisfies DecodeReply);
  }
});
