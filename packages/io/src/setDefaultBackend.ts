import type { NumericBackend } from './backend.js';
import { defaultBackendState as state } from './internal/defaultBackend.js';

/**
 * Set the process-wide default backend that {@link resolveBackend} returns when an analysis
 * is called without `backend`; `null` restores automatic detection (onnxruntime when
 * installed, else the reference). The previous default is not disposed.
 *
 * @param backend the new default, or `null`.
 * @example
 * import { referenceBackend, setDefaultBackend } from '@vit/io';
 * setDefaultBackend(referenceBackend); // e.g. in a test that wants float64 accumulation
 * setDefaultBackend(null);
 */
export function setDefaultBackend(backend: NumericBackend | null): void {
  state.override = backend;
}
