import { wasmKernel, wasmRegions, type WasmKernel } from '@vit/io';
import { SPATIAL_WASM_BASE64 } from './spatialWasmModule.js';
import { checkSpatialRow, closeWindow, type SpatialPass } from './spatialWindow.js';
import type { AttentionView, RowStats } from './view.js';

/** The kernel's export (see packages/attention/wasm/spatial.c). */
type SpatialBlock = (blk: number, T: number, P: number, gh: number, gw: number, corner: number, win: number, ss: number, sp: number) => void;

let kernel: WasmKernel | null | undefined;

/** The module's one instance (calls are synchronous, so they never interleave), or null where WebAssembly SIMD is unavailable. */
function load(): WasmKernel | null {
  if (kernel === undefined) kernel = wasmKernel(SPATIAL_WASM_BASE64);
  return kernel;
}

/** Whether the WebAssembly kernel is available here. */
export function spatialWasmAvailable(): boolean {
  return load() !== null;
}

/**
 * {@link spatialKernel} with each (image, head) block's window sums computed by the WebAssembly
 * SIMD kernel (the same operations in the same order, so the same bits); the checks, counts and
 * distance epilogue stay here, as in the TypeScript kernel. Each block is copied into the
 * module's memory first (one pass over it: 7–10 ms of the 30 ms a ViT-S batch of 16 takes over
 * 12 layers, against 68 ms for the TypeScript kernel).
 */
export function spatialKernelWasm(v: AttentionView, dtab: Float64Array, st: RowStats): SpatialPass {
  const k = load();
  if (!k) throw new Error('the WebAssembly attention kernel is not available');
  const { data, off, B, H, T, P, gh, gw, N } = v;
  const Ww = 2 * gw - 1;
  const W = (2 * gh - 1) * Ww;
  // The module's memory: block | corner | win | ss | sp.
  const [blkAt, cornerAt, winAt, ssAt, spAt] = wasmRegions(k, [T * T * 4, N * 4, W * 8, N * 8, N * 8]);
  const buf = k.memory.buffer;
  const block = k.exports.spatial_block as SpatialBlock;
  const blk = new Float32Array(buf, blkAt, T * T);
  const corner = new Int32Array(buf, cornerAt, N);
  const win = new Float64Array(buf, winAt, W);
  const ss = new Float64Array(buf, ssAt, N);
  const sp = new Float64Array(buf, spAt, N);
  for (let q = 0; q < N; q++) {
    const i = (q / gw) | 0;
    corner[q] = (gh - 1 - i) * Ww + (gw - 1 - (q - i * gw));
  }
  const pass: SpatialPass = { sums: new Float64Array(H * W), nonNull: new Float64Array(H), qcount: new Float64Array(H * N), dist: new Float64Array(B * H) };
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++) {
      const base = off + (b * H + h) * T * T;
      blk.set(data.subarray(base, base + T * T));
      block(blkAt, T, P, gh, gw, cornerAt, winAt, ssAt, spAt);
      let cnt = 0;
      for (let q = 0; q < N; q++) {
        if (!checkSpatialRow(v, st, b, h, q, sp[q], ss[q])) continue; // null row: skipped and counted
        cnt++;
        pass.qcount[h * N + q]++;
      }
      closeWindow(pass, win, dtab, b, h, H, cnt);
    }
  return pass;
}
