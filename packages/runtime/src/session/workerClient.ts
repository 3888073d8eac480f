import { Worker } from 'node:worker_threads';
import { deserializeError, type SerializedError } from './protocol.js';

/** `Omit<T, 'id'>` applied to each member of a union. */
export type DistributiveOmitId<T> = T extends unknown ? Omit<T, 'id'> : never;

/**
 * Request/response over one worker: ids match replies to requests; the worker keeps the process
 * alive only while a request is pending; a crashed worker rejects everything pending.
 */
export class WorkerClient<Req extends object, Rep extends { id: number }> {
  private readonly pending = new Map<number, { resolve: (r: Rep) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private failure: Error | undefined;

  constructor(readonly worker: Worker) {
    worker.unref();
    worker.on('message', (msg: Rep & { error?: SerializedError }) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (!this.pending.size) worker.unref();
      p.resolve(msg);
    });
    const fail = (e: Error) => {
      this.failure = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (this.pending.size) fail(new Error(`worker exited with code ${code} while busy`));
    });
  }

  get busy(): number {
    return this.pending.size;
  }

  request(msg: DistributiveOmitId<Req>, transfer: ArrayBuffer[] = []): Promise<Rep> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<Rep>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ ...msg, id }, transfer);
    });
  }

  /** Send a message that gets no reply. */
  post(msg: DistributiveOmitId<Req>, transfer: ArrayBuffer[] = []): void {
    if (!this.failure) this.worker.postMessage({ ...msg, id: 0 }, transfer);
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

/** Throw the typed error a worker reported. */
export function rethrow(e: SerializedError): never {
  throw deserializeError(e);
}
