import { SPATIAL_WASM_BASE64 } from './spatialWasmBytes.js';
import type { SpatialPass } from './kernels.js';
import type { AttentionView, RowStats } from './view.js';

/** The kernel's export (see packages/attention/wasm/spatial.c). */
type SpatialBlock = (blk: number, T: number, P: number, gh: number, gw: number, corner: number, win: number, ss: number, sp: number) => void;

/** The few WebAssembly JS-API members used here (this package's TypeScript lib has no DOM types). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

interface Kernel {
  memory: WasmMemory;
  block: SpatialBlock;
  /** First byte past the module's own data and stack: our buffers start here. */
  heap: number;
}

let kernel: Kernel | null | undefined;

/** The instantiated kernel, or null where WebAssembly SIMD is unavailable (the TypeScript kernel runs). */
function load(): Kernel | null {
  if (kernel !== undefined) return kernel;
  try {
    const bytes = Uint8Array.from(atob(SPATIAL_WASM_BASE64), (c) => c.charCodeAt(0));
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const instance = new wasm.Instance(new wasm.Module(bytes), {});
    const e = instance.exports as { memory: WasmMemory; spatial_block: SpatialBlock; __heap_base: { value: number } };
    kernel = { memory: e.memory, block: e.spatial_block, heap: Number(e.__heap_base.value) };
  } catch {
    kernel = null;
  }
  return kernel;
}

/** Whether the WebAssembly kernel is available here. */
export function spatialWasmAvailable(): boolean {
  return load() !== null;
}

const align = (n: number) => (n + 15) & ~15;

/**
 * {@link spatialKernel} with each (image, head) block's window sums computed by the WebAssembly
 * SIMD kernel (the same operations in the same order, so the same bits); the checks, counts and
 * distance epilogue stay here, as in the TypeScript kernel. Each block is copied into the
 * module's memory first (one pass over it, much cheaper than the window sums).
 */
export function spatialKernelWasm(v: AttentionView, dtab: Float64Array, st: RowStats): SpatialPass {
  const k = load();
  if (!k) throw new Error('the WebAssembly attention kernel is not available');
  const { data, off, B, H, T, P, gh, gw, N } = v;
  const Ww = 2 * gw - 1;
  const W = (2 * gh - 1) * Ww;
  // Layout in the module's memory: block | corner | win | ss | sp.
  const blkAt = align(k.heap);
  const cornerAt = align(blkAt + T * T * 4);
  const winAt = align(cornerAt + N * 4);
  const ssAt = align(winAt + W * 8);
  const spAt = align(ssAt + N * 8);
  const end = spAt + N * 8;
  const have = k.memory.buffer.byteLength;
  if (end > have) k.memory.grow(Math.ceil((end - have) / 65536));
  const buf = k.memory.buffer;
  const blk = new Float32Array(buf, blkAt, T * T);
  const corner = new Int32Array(buf, cornerAt, N);
  const win = new Float64Array(buf, winAt, W);
  const ss = new Float64Array(buf, ssAt, N);
  const sp = new Float64Array(buf, spAt, N);
  for (let q = 0; q < N; q++) {
    const i = (q / gw) | 0;
    corner[q] = (gh - 1 - i) * Ww + (gw - 1 - (q - i * gw));
  }
  const sums = new Float64Array(H * W);
  const nonNull = new Float64Array(H);
  const qcount = new Float64Array(H * N);
  const dist = new Float64Array(B * H);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++) {
      const base = off + (b * H + h) * T * T;
      blk.set(data.subarray(base, base + T * T));
      k.block(blkAt, T, P, gh, gw, cornerAt, winAt, ssAt, spAt);
      let cnt = 0;
      for (let q = 0; q < N; q++) {
        const s = ss[q];
        const tot = sp[q] + s;
        if (!Number.isFinite(tot)) st.fail(v, b, h, P + q);
        const dev = tot > 1 ? tot - 1 : 1 - tot;
        if (dev > st.worst) st.note(dev, b, h, P + q);
        if (s === 0) continue; // null row: skipped (it added only zeros) and counted
        cnt++;
        qcount[h * N + q]++;
      }
      nonNull[h] += cnt;
      let d = 0;
      const sh = h * W;
      for (let x = 0; x < W; x++) {
        const y = win[x];
        sums[sh + x] += y;
        d += y * dtab[x];
      }
      dist[b * H + h] = cnt > 0 ? d / cnt : NaN;
    }
  return { sums, nonNull, qcount, dist };
}
