import type { RawTensor } from '../instrument/canonicalTaps.js';

/** One float32 output of a run: its name, shape and size in bytes. */
interface OutputSlot {
  name: string;
  dims: number[];
  bytes: number;
}

/**
 * Output buffers of earlier runs, handed back by the consumer, reused as onnxruntime's
 * pre-allocated outputs. A fresh multi-megabyte buffer costs a page fault per 4 KiB on first
 * write (on some virtual machines ~4 ms per MB, more than the forward pass of a fully tapped
 * ViT-S writes in a batch); a reused one is already mapped. Buffers are pooled by byte size and
 * the pool holds at most a few batches' worth. Only used when every output of the graph is float32
 * and its shapes for this input shape are known from an earlier run.
 */
export class OutputPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  private readonly limit = new Map<number, number>();
  private readonly layouts = new Map<string, OutputSlot[]>();

  /** Remember the output shapes of a run with input `dims` (only when all `total` outputs are float32). */
  learn(dims: readonly number[], raw: Record<string, RawTensor>, total: number): void {
    const key = dims.join(',');
    if (this.layouts.has(key) || Object.keys(raw).length !== total) return;
    const slots = Object.entries(raw).map(([name, r]) => ({ name, dims: [...r.dims], bytes: r.data.byteLength }));
    this.layouts.set(key, slots);
    const count = new Map<number, number>();
    for (const s of slots) count.set(s.bytes, (count.get(s.bytes) ?? 0) + 1);
    // Up to three batches in flight (one being consumed, one returned, one being computed).
    for (const [bytes, n] of count) this.limit.set(bytes, Math.max(this.limit.get(bytes) ?? 0, 3 * n));
  }

  /** Buffers handed back; those of an unknown size or beyond the limit are dropped. */
  add(buffers: readonly ArrayBuffer[]): void {
    for (const b of buffers) {
      const list = this.free.get(b.byteLength) ?? [];
      if (list.length >= (this.limit.get(b.byteLength) ?? 0)) continue;
      list.push(b);
      this.free.set(b.byteLength, list);
    }
  }

  /**
   * Pre-allocated outputs for a run with input `dims`, one pooled buffer per output, or
   * `undefined` when the shapes are not known yet or the pool cannot cover every output
   * (onnxruntime-node mislabels the results of a partial set of fetches).
   */
  fetches<T>(dims: readonly number[], make: (type: 'float32', data: Float32Array, dims: number[]) => T): Record<string, T> | undefined {
    const slots = this.layouts.get(dims.join(','));
    if (!slots) return undefined;
    const need = new Map<number, number>();
    for (const s of slots) need.set(s.bytes, (need.get(s.bytes) ?? 0) + 1);
    for (const [bytes, n] of need) if ((this.free.get(bytes)?.length ?? 0) < n) return undefined;
    const out: Record<string, T> = {};
    for (const s of slots) out[s.name] = make('float32', new Float32Array(this.free.get(s.bytes)!.pop()!), s.dims);
    return out;
  }
}
