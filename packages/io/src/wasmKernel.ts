/** The few WebAssembly JS-API members the kernels use (the packages' TypeScript lib has no DOM types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** An instantiated kernel module: its exports, its memory, and where free memory starts. */
export interface WasmKernel {
  exports: Record<string, unknown>;
  memory: WasmMemory;
  /** First byte past the module's own data and stack (`__heap_base`): buffers go from here. */
  heap: number;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

const modules = new Map<string, object | null>();

/**
 * A new instance of a kernel module built by `tools/wasm/build.sh` (its bytes in base64), each
 * with a memory of its own; the compiled module is cached. `null` where WebAssembly (with SIMD)
 * is unavailable, so callers fall back to their TypeScript kernel. Used by the analysis
 * packages' kernels; not an analysis API.
 * @param base64 the module's bytes.
 * @returns the instance, or null.
 * @example const k = wasmKernel(SPATIAL_WASM_BASE64); if (k) (k.exports.spatial_block as Function)(…)
 */
export function wasmKernel(base64: string): WasmKernel | null {
  const wasm = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (!wasm) return null;
  let module = modules.get(base64);
  if (module === undefined) {
    try {
      module = new wasm.Module(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
    } catch {
      module = null; // no SIMD support: the TypeScript kernel runs
    }
    modules.set(base64, module);
  }
  if (!module) return null;
  const exports = new wasm.Instance(module, {}).exports;
  return { exports, memory: exports.memory as WasmMemory, heap: Number((exports.__heap_base as { value: number }).value) };
}

/**
 * Lays out buffers of `sizes` bytes one after the other from the kernel's heap, each on a 16-byte
 * boundary (SIMD loads), and grows its memory to hold them all.
 * @param kernel an instance from {@link wasmKernel}.
 * @param sizes the buffers' sizes in bytes.
 * @returns each buffer's byte offset in the kernel's memory (views made afterwards stay valid).
 * @example const [xAt, sumsAt] = wasmRegions(k, [n * 4, k * 8]);
 */
export function wasmRegions(kernel: WasmKernel, sizes: readonly number[]): number[] {
  const align = (n: number) => (n + 15) & ~15;
  let at = align(kernel.heap);
  const offsets = sizes.map((s) => {
    const o = at;
    at = align(at + s);
    return o;
  });
  ensureWasmMemory(kernel.memory, at);
  return offsets;
}

/**
 * Grows `memory` so that it holds at least `bytes` bytes.
 * @param memory a kernel's memory.
 * @param bytes the size needed.
 */
export function ensureWasmMemory(memory: WasmMemory, bytes: number): void {
  const have = memory.buffer.byteLength;
  if (bytes > have) memory.grow(Math.ceil((bytes - have) / 65536));
}
