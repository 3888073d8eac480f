import type { NumericBackend } from './backend.js';
import { defaultBackendState as state } from './internal/defaultBackend.js';
import { loadOnnxruntime } from './ort/loadOnnxruntime.js';
import { ortBackend } from './ort/ortBackend.js';
import { sizeDispatchBackend } from './ort/sizeDispatchBackend.js';
import { referenceBackend } from './referenceBackend.js';

async function detect(): Promise<NumericBackend> {
  if (process.env.VIT_BACKEND === 'reference') return referenceBackend;
  try {
    await loadOnnxruntime();
  } catch {
    return referenceBackend;
  }
  return sizeDispatchBackend(ortBackend(), referenceBackend);
}

/**
 * The backend an analysis uses: `backend` when given, else the process-wide default — the
 * one set by {@link setDefaultBackend}, else the onnxruntime backend when the optional peer
 * dependency `onnxruntime-node` can be loaded (calls below ~32k multiply-adds go to the
 * reference loops, which beat a session run there), else {@link referenceBackend}.
 * The environment variable `VIT_BACKEND=reference` forces the reference default. The
 * detection runs once per process and is cached.
 *
 * @param backend an explicit backend (returned as is).
 * @returns the backend to use.
 * @example
 * import { resolveBackend, tensor } from '@vit/io';
 * const backend = await resolveBackend(); // onnxruntime when installed
 * const g = await backend.gram(tensor(Float32Array.from([1, 2, 3, 4]), [2, 2])); // [[5, 11], [11, 25]]
 */
export async function resolveBackend(backend?: NumericBackend): Promise<NumericBackend> {
  if (backend) return backend;
  if (state.override) return state.override;
  state.detected ??= detect();
  return state.detected;
}
