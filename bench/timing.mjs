// Shared by the bench scripts that time a whole call against an onnxruntime peer.

/** Median of a list of numbers. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Wall and CPU seconds (every thread of this process: main, workers, onnxruntime's pool) of one call, and what it returned. */
export async function seconds(fn) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const extra = await fn();
  const c = process.cpuUsage(c0);
  return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6, extra };
}

/**
 * The onnxruntime session options of @vit/runtime's inference worker
 * (packages/runtime/src/session/ortSession.ts): `threads` intra-op threads, no spin-waiting (like
 * PyTorch's OMP_WAIT_POLICY=PASSIVE), no memory pattern, the CPU provider.
 */
export function vitSessionOptions(threads) {
  return {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    enableMemPattern: false,
    executionMode: 'sequential',
    executionProviders: ['cpu'],
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}
